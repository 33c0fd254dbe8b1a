package io.polybus.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A log event read back from a message (one event of it: see {@link EventPack#events}), as the monitor, the
 * sinks and {@code polybus consume} see it: its JSON, read by {@link FieldPath} like a {@link LogEvent}, so
 * conditions and templates mean the same on both sides of the broker.
 *
 * <p>Reading is lazy, because the sinks write most events through as they came: {@link #parse} checks the JSON in
 * one pass without building anything, noting where each top-level value starts and the two values of the event's
 * {@link #identity}; {@link #get} then reads only the value it asks for, and {@link #json()} builds the whole tree
 * the first time it is called. Immutable once read; thread-safe.
 */
public final class JsonEvent implements FieldSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    /** The event's bytes, or {@code null} when it was made from a tree. */
    private final byte[] bytes;
    /** The top-level names, in order, and where each one's value starts and (for an object or array) ends. */
    private final String[] names;
    private final int[] starts;
    private final int[] ends;
    private final int count;
    private final String fileId;
    private final long offset;
    private final boolean hasOffset;
    private volatile ObjectNode json;

    private JsonEvent(byte[] bytes, String[] names, int[] starts, int[] ends, int count, String fileId, long offset,
                      boolean hasOffset, ObjectNode json) {
        this.bytes = bytes;
        this.names = names;
        this.starts = starts;
        this.ends = ends;
        this.count = count;
        this.fileId = fileId;
        this.offset = offset;
        this.hasOffset = hasOffset;
        this.json = json;
    }

    /** The event in {@code bytes} (kept, not copied), or {@code null} when they are not a JSON object. */
    public static JsonEvent parse(byte[] bytes) {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String[] names = new String[8];
            int[] starts = new int[8];
            int[] ends = new int[8];
            int n = 0;
            String fileId = null;
            long offset = 0;
            boolean hasOffset = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (n == names.length) {
                    names = Arrays.copyOf(names, n * 2);
                    starts = Arrays.copyOf(starts, n * 2);
                    ends = Arrays.copyOf(ends, n * 2);
                }
                names[n] = name;
                starts[n] = (int) p.currentTokenLocation().getByteOffset();
                ends[n] = -1;
                if (name.equals("source")) {
                    // A repeated key counts once, the last time, as in a tree.
                    fileId = null;
                    hasOffset = false;
                    if (value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String field = p.currentName();
                            JsonToken v = p.nextToken();
                            if (field.equals("file_id")) {
                                fileId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                            } else if (field.equals("offset")) {
                                hasOffset = v == JsonToken.VALUE_NUMBER_INT;
                                offset = hasOffset ? p.getNumberValue().longValue() : 0;
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                }
                if (value.isStructStart()) {
                    p.skipChildren();
                    ends[n] = (int) p.currentLocation().getByteOffset();
                }
                n++;
            }
            return new JsonEvent(bytes, names, starts, ends, n, fileId, offset, hasOffset, null);
        } catch (IOException e) {
            return null;
        }
    }

    /** Wraps an event already read as a tree. */
    public static JsonEvent of(ObjectNode json) {
        JsonNode source = json.path("source");
        JsonNode fileId = source.path("file_id");
        JsonNode offset = source.path("offset");
        return new JsonEvent(null, null, null, null, 0, fileId.isTextual() ? fileId.textValue() : null,
                offset.isIntegralNumber() ? offset.longValue() : 0, offset.isIntegralNumber(), json);
    }

    /** The event's JSON as a tree (read the first time it is asked for); shared, never to be modified. */
    public ObjectNode json() {
        ObjectNode tree = json;
        if (tree == null) {
            try {
                tree = (ObjectNode) JSON.readTree(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("an event read as JSON cannot be read as a tree", e);
            }
            json = tree;
        }
        return tree;
    }

    @Override
    public Object get(FieldPath path) {
        if (bytes == null || json != null) {
            return value(json().get(path.segment(0)), path);
        }
        int at = find(path.segment(0));
        if (at < 0) {
            return null;
        }
        if (path.length() == 1) {
            String plain = plainString(starts[at]);
            if (plain != null) {
                return plain;
            }
        }
        try (JsonParser p = FACTORY.createParser(bytes, starts[at], bytes.length - starts[at])) {
            JsonToken token = p.nextToken();
            if (path.length() == 1 && token.isScalarValue()) {
                return scalar(p, token);
            }
            return value(JSON.readTree(p), path);
        } catch (IOException e) {
            throw new UncheckedIOException("an event read as JSON cannot be read again", e);
        }
    }

    /**
     * The JSON of the top-level value {@code name} as it came ({@code {"type":"file",...}} for {@code source}), or
     * {@code null} when the event has no such key or it is {@code null}.
     */
    public byte[] rawJson(String name) {
        if (bytes == null || json != null) {
            JsonNode node = json().get(name);
            return node == null || node.isNull() ? null : node.toString().getBytes(StandardCharsets.UTF_8);
        }
        int at = find(name);
        if (at < 0) {
            return null;
        }
        if (ends[at] >= 0) {
            return Arrays.copyOfRange(bytes, starts[at], ends[at]);
        }
        JsonNode node = json().get(name);
        return node == null || node.isNull() ? null : node.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Whether the event has top-level keys other than {@code known}. */
    public boolean hasKeysOtherThan(Set<String> known) {
        if (bytes == null || json != null) {
            for (var it = json().fieldNames(); it.hasNext(); ) {
                if (!known.contains(it.next())) {
                    return true;
                }
            }
            return false;
        }
        for (int i = 0; i < count; i++) {
            if (!known.contains(names[i])) {
                return true;
            }
        }
        return false;
    }

    /** The string at {@code at} when it is ASCII without escapes (a timestamp, a host name), read without a parser; else null. */
    private String plainString(int at) {
        if (bytes[at] != '"') {
            return null;
        }
        for (int i = at + 1; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '"') {
                return new String(bytes, at + 1, i - at - 1, StandardCharsets.ISO_8859_1);
            }
            if (b == '\\' || b < 0x20) {
                return null;
            }
        }
        return null;
    }

    /** The last place of a top-level name (a repeated key counts as its last value, as in a tree), or -1. */
    private int find(String name) {
        for (int i = count - 1; i >= 0; i--) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static Object scalar(JsonParser p, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    && p.getBigIntegerValue().bitLength() > 63 ? p.getDoubleValue() : p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> null;
        };
    }

    private static Object value(JsonNode top, FieldPath path) {
        JsonNode node = top;
        for (int i = 1; i < path.length() && node != null; i++) {
            node = node.get(path.segment(i));
        }
        return node == null ? null : value(node);
    }

    private static Object value(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(item -> list.add(value(item)));
            return list;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> map.put(e.getKey(), value(e.getValue())));
            return map;
        }
        return null;
    }

    /**
     * The event's identity, the same however often it is delivered or sent again: {@code <file_id>@<offset>} when
     * it names its origin (a file source's events do), else the message's id, with {@code #<index>} for the
     * {@code index}-th event of a pack. Consumers drop duplicates by it; sinks make it the document id.
     *
     * @param messageId the id of the message it came in
     * @param index     its place in a pack, or -1 when the message is one event
     */
    public String identity(String messageId, int index) {
        if (fileId != null && hasOffset) {
            return fileId + "@" + offset;
        }
        return index < 0 ? "id:" + messageId : "id:" + messageId + "#" + index;
    }

    /** The event's JSON. */
    @Override
    public String toString() {
        return bytes != null ? new String(bytes, StandardCharsets.UTF_8) : json.toString();
    }
}
