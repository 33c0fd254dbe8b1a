package io.polybus.agent.monitor.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.regex.Pattern;

/** A dotted path into an event's JSON ({@code fields.status}, {@code source.file_id}), compiled once. */
public final class FieldPath {
    static final String ACCEPTED = "a dotted field path such as host, message, fields.status or source.file_id";
    private static final Pattern VALID = Pattern.compile("[^.\\s]+(\\.[^.\\s]+)*");

    private final String text;
    private final String[] segments;

    private FieldPath(String text) {
        this.text = text;
        this.segments = text.split("\\.");
    }

    static boolean isValid(String path) {
        return VALID.matcher(path).matches();
    }

    /** @throws IllegalArgumentException when {@code path} is not a dotted path */
    public static FieldPath of(String path) {
        if (!isValid(path)) {
            throw new IllegalArgumentException(ACCEPTED + ", was '" + path + "'");
        }
        return new FieldPath(path);
    }

    /** The value at this path, or a missing node. */
    public JsonNode in(JsonNode root) {
        JsonNode node = root;
        for (String s : segments) {
            node = node.path(s);
        }
        return node;
    }

    @Override
    public String toString() {
        return text;
    }
}
