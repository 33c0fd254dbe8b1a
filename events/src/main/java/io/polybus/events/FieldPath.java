package io.polybus.events;

import io.polybus.ConfigException;
import io.polybus.spi.ProviderConfig;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A dotted path into a log event: {@code host}, {@code message}, {@code timestamp}, {@code source.file_id},
 * {@code fields.status}, {@code fields.request.method}, {@code tags}. It is how conditions, templates, rules'
 * {@code group-by} and processors name a value, everywhere in the same way.
 *
 * <p>A path starts at the event's top level ({@link #TOP_LEVEL}); a path whose first segment is none of those
 * names a parsed field, so {@code status} is {@code fields.status}. Immutable (but for a look-up hint that does not
 * change what it names); compile once, use often.
 */
public final class FieldPath {
    /** The top-level names of the event format. */
    public static final Set<String> TOP_LEVEL = Set.of("timestamp", "host", "message", "source", "fields", "tags");
    /** What a path looks like, for error messages. */
    public static final String ACCEPTED = "a dotted field path such as host, message, fields.status (or status) or source.file_id";
    private static final Pattern VALID = Pattern.compile("[^.\\s{}]+(\\.[^.\\s{}]+)*");

    private final String text;
    private final String[] segments;
    /**
     * Per segment, the entry where {@link JsonEvent} last found it: events of one source share a layout, so the next
     * look-up tries there first. Only a guess, checked on every use; written by any thread without a lock.
     */
    final int[] hints;

    private FieldPath(String text, String[] segments) {
        this.text = text;
        this.segments = segments;
        this.hints = new int[segments.length];
    }

    /** Whether {@code path} is a dotted path. */
    public static boolean isValid(String path) {
        return path != null && VALID.matcher(path).matches();
    }

    /**
     * The path in a component's string key {@code key}.
     *
     * @throws ConfigException naming the key when its value is not a dotted path
     */
    public static FieldPath of(ProviderConfig config, String key) {
        String text = config.getString(key);
        if (!isValid(text)) {
            throw new ConfigException(config.pathOf(key), text, "expected " + ACCEPTED);
        }
        return of(text);
    }

    /**
     * Compiles a path; a first segment that is not a top-level name is taken as under {@code fields}.
     *
     * @throws IllegalArgumentException when {@code path} is not a dotted path
     */
    public static FieldPath of(String path) {
        if (!isValid(path)) {
            throw new IllegalArgumentException(ACCEPTED + ", was '" + path + "'");
        }
        String[] segments = path.split("\\.");
        if (!TOP_LEVEL.contains(segments[0])) {
            String[] under = new String[segments.length + 1];
            under[0] = "fields";
            System.arraycopy(segments, 0, under, 1, segments.length);
            segments = under;
        }
        return new FieldPath(path, segments);
    }

    /** The segments from the top level: {@code [fields, status]} for {@code status}. */
    public List<String> segments() {
        return List.of(segments);
    }

    /** The number of segments. */
    public int length() {
        return segments.length;
    }

    /** The segment at {@code i} (0 is a top-level name). */
    public String segment(int i) {
        return segments[i];
    }

    /** True for {@code fields.<name>}: one parsed field at the top of {@code fields}. */
    public boolean isTopField() {
        return segments.length == 2 && segments[0].equals("fields");
    }

    /** The path from the top level, dotted: {@code fields.status} for {@code status}. */
    public String canonical() {
        return String.join(".", segments);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldPath p && java.util.Arrays.equals(p.segments, segments);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(segments);
    }

    /** The path as written. */
    @Override
    public String toString() {
        return Objects.requireNonNull(text);
    }
}
