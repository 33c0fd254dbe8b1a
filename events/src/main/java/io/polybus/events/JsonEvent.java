package io.polybus.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
 * <p>Reading is lazy, because the sinks write most events through as they came and the monitor's rules read a few
 * fields: {@link #parse} checks the JSON in one pass without building anything, noting where each top-level value
 * and each value of a top-level object ({@code fields.status}, {@code source.offset}) starts and ends; {@link #get}
 * then reads only the value it asks for (a string once: it is kept), and {@link #json()} builds the whole tree the
 * first time it is called. Immutable once read (but for what it keeps); thread-safe. Serialized as its JSON text.
 */
public final class JsonEvent implements FieldSource, Serializable {
    private static final long serialVersionUID = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();
    /** What {@link #slot} says when a path is not read from the index (deeper, or the event is a tree). */
    static final int NOT_INDEXED = -2;
    static final byte STRING = 1;
    static final byte NUMBER = 2;
    static final byte TRUE = 3;
    static final byte FALSE = 4;
    static final byte NULL = 5;
    static final byte OBJECT = 6;
    static final byte ARRAY = 7;
    /**
     * Per entry: name start, name end, value start, value end, parent entry (-1 at the top), kind | flags, and the
     * name's {@link String#hashCode()} (of its decoded text when escaped), so that a look-up compares one int per entry.
     */
    private static final int STRIDE = 7;
    private static final FieldPath FILE_ID = FieldPath.of("source.file_id");
    private static final FieldPath OFFSET = FieldPath.of("source.offset");
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    /** A name or string value with an escape or a byte beyond ASCII: decoded, not compared byte by byte. */
    private static final int ESCAPED_NAME = 1 << 8;
    private static final int ESCAPED_VALUE = 1 << 9;
    private static final double[] POWERS = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
            1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    /** The event's bytes, or {@code null} when it was made from a tree. */
    private final transient byte[] bytes;
    /** The entries (see {@link #STRIDE}): the top-level values and those of top-level objects, in order. */
    private final transient int[] entries;
    private final transient int count;
    /** Whether a name may occur twice in one object (then the last counts, and look-ups search). */
    private final transient boolean repeats;
    /** The strings read so far, by entry. */
    private transient Object[] strings;
    private transient volatile ObjectNode json;

    private JsonEvent(byte[] bytes, int[] entries, int count, boolean repeats, ObjectNode json) {
        this.bytes = bytes;
        this.entries = entries;
        this.count = count;
        this.repeats = repeats;
        this.json = json;
    }

    /** The event in {@code bytes} (kept, not copied), or {@code null} when they are not a JSON object. */
    public static JsonEvent parse(byte[] bytes) {
        Scanner s = new Scanner(bytes);
        return s.event() ? new JsonEvent(bytes, s.entries, s.count, s.repeats, null) : null;
    }

    /**
     * One pass over an event's JSON: checks it (syntax, escapes, UTF-8) and notes the entries of the top level and of
     * its objects. What follows the closing brace is not read.
     */
    private static final class Scanner {
        private final byte[] b;
        private int i;
        int[] entries = new int[32 * STRIDE];
        int count;
        /** Whether two names of an object may be the same: two of their hashes' bits were both set already. */
        boolean repeats;

        Scanner(byte[] bytes) {
            this.b = bytes;
        }

        boolean event() {
            try {
                ws();
                if (i >= b.length || b[i] != '{') {
                    return false;
                }
                return object(-1, 0);
            } catch (ArrayIndexOutOfBoundsException e) {
                return false;
            }
        }

        private void ws() {
            while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
                i++;
            }
        }

        /** An object at {@code i} ('{'); its members are entries when {@code depth} is 0 or 1. */
        private boolean object(int parent, int depth) {
            long namesLow = 0;
            long namesHigh = 0;
            i++;
            ws();
            if (b[i] == '}') {
                i++;
                return true;
            }
            while (true) {
                if (b[i] != '"') {
                    return false;
                }
                int nameStart = i + 1;
                int nameFlags = string();
                if (nameFlags < 0) {
                    return false;
                }
                int nameEnd = i - 1;
                ws();
                if (b[i] != ':') {
                    return false;
                }
                i++;
                ws();
                int entry = -1;
                if (depth < 2) {
                    entry = count;
                    if ((count + 1) * STRIDE > entries.length) {
                        entries = Arrays.copyOf(entries, entries.length * 2);
                    }
                    int at = count * STRIDE;
                    entries[at] = nameStart;
                    entries[at + 1] = nameEnd;
                    entries[at + 2] = i;
                    entries[at + 4] = parent;
                    int hash = nameFlags != 0 ? decode(b, nameStart - 1, nameEnd).hashCode() : hash(nameStart, nameEnd);
                    entries[at + 6] = hash;
                    long low = 1L << hash;
                    long high = 1L << (hash >>> 6);
                    repeats |= (namesLow & low) != 0 && (namesHigh & high) != 0;
                    namesLow |= low;
                    namesHigh |= high;
                    count++;
                }
                int kind = value(entry, depth);
                if (kind < 0) {
                    return false;
                }
                if (entry >= 0) {
                    entries[entry * STRIDE + 3] = i;
                    entries[entry * STRIDE + 5] = kind | (nameFlags != 0 ? ESCAPED_NAME : 0);
                }
                ws();
                if (b[i] == ',') {
                    i++;
                    ws();
                } else if (b[i] == '}') {
                    i++;
                    return true;
                } else {
                    return false;
                }
            }
        }

        /** A value at {@code i}: its kind (with {@link #ESCAPED_VALUE}), or -1 when it is not JSON. */
        private int value(int entry, int depth) {
            byte c = b[i];
            if (c == '"') {
                int flags = string();
                return flags < 0 ? -1 : STRING | (flags != 0 ? ESCAPED_VALUE : 0);
            }
            if (c == '{') {
                return object(entry, depth + 1) ? OBJECT : -1;
            }
            if (c == '[') {
                i++;
                ws();
                if (b[i] == ']') {
                    i++;
                    return ARRAY;
                }
                while (true) {
                    if (value(-1, 2) < 0) {
                        return -1;
                    }
                    ws();
                    if (b[i] == ',') {
                        i++;
                        ws();
                    } else if (b[i] == ']') {
                        i++;
                        return ARRAY;
                    } else {
                        return -1;
                    }
                }
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return number() ? NUMBER : -1;
            }
            if (literal("true")) {
                return TRUE;
            }
            if (literal("false")) {
                return FALSE;
            }
            return literal("null") ? NULL : -1;
        }

        /** {@link String#hashCode()} of the ASCII name in {@code [start, end)}. */
        private int hash(int start, int end) {
            int h = 0;
            for (int k = start; k < end; k++) {
                h = 31 * h + b[k];
            }
            return h;
        }

        private boolean literal(String word) {
            if (i + word.length() > b.length) {
                return false;
            }
            for (int k = 0; k < word.length(); k++) {
                if (b[i + k] != word.charAt(k)) {
                    return false;
                }
            }
            i += word.length();
            return true;
        }

        private boolean number() {
            if (b[i] == '-') {
                i++;
            }
            if (b[i] == '0') {
                i++;
            } else if (!digits()) {
                return false;
            }
            if (i < b.length && b[i] == '.') {
                i++;
                if (!digits()) {
                    return false;
                }
            }
            if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
                i++;
                if (b[i] == '+' || b[i] == '-') {
                    i++;
                }
                return digits();
            }
            return true;
        }

        private boolean digits() {
            int start = i;
            while (i < b.length && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            return i > start;
        }

        /** A string at {@code i} ('"'), leaving {@code i} after its closing quote: 1 when it has escapes or non-ASCII, 0 when not, -1 when invalid. */
        private int string() {
            i++;
            int flags = 0;
            while (true) {
                i = special(b, i);
                byte c = b[i];
                if (c > '"' && c != '\\') {
                    // printable ASCII but the quote and the backslash, most of a log line: two comparisons a byte
                    i++;
                    continue;
                }
                if (c == '"') {
                    i++;
                    return flags;
                }
                if (c == '\\') {
                    flags = 1;
                    byte e = b[i + 1];
                    if (e == 'u') {
                        for (int k = 2; k < 6; k++) {
                            if (Character.digit(b[i + k], 16) < 0) {
                                return -1;
                            }
                        }
                        i += 6;
                    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                        i += 2;
                    } else {
                        return -1;
                    }
                } else if (c >= 0 && c < 0x20) {
                    return -1;
                } else if (c < 0) {
                    flags = 1;
                    int n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
                    if (n < 0 || (c & 0xFF) < 0xC2 || (c & 0xFF) > 0xF4) {
                        return -1;
                    }
                    for (int k = 1; k <= n; k++) {
                        if ((b[i + k] & 0xC0) != 0x80) {
                            return -1;
                        }
                    }
                    i += n + 1;
                } else {
                    i++;
                }
            }
        }
    }

    /**
     * The index of the first byte from {@code from} on that a string's scan must look at: a quote, a backslash, a
     * control character or a byte beyond ASCII; eight bytes at a time, leaving the last few to the caller.
     */
    static int special(byte[] b, int from) {
        int i = from;
        for (; i + Long.BYTES <= b.length; i += Long.BYTES) {
            long w = (long) LONGS.get(b, i);
            long quote = w ^ 0x2222222222222222L;
            long backslash = w ^ 0x5C5C5C5C5C5C5C5CL;
            // A byte's high bit marks it when it is a quote, a backslash (a zero byte of the XORs), below 0x20, or at
            // 0x80 or above. Borrows only mark bytes above a true mark wrongly, so the lowest mark is exact.
            long marks = ((quote - ONES) & ~quote | (backslash - ONES) & ~backslash | (w - 0x2020202020202020L) & ~w | w)
                    & HIGHS;
            if (marks != 0) {
                return i + (Long.numberOfTrailingZeros(marks) >>> 3);
            }
        }
        return i;
    }

    /** Wraps an event already read as a tree. */
    public static JsonEvent of(ObjectNode json) {
        return new JsonEvent(null, null, 0, false, json);
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
        int at = slot(path);
        if (at == NOT_INDEXED) {
            if (bytes == null) {
                return value(json.get(path.segment(0)), path);
            }
            int top = find(path.segment(0), -1);
            return top < 0 ? null : value(readTree(top), path);
        }
        if (at < 0) {
            return null;
        }
        return switch (kind(at)) {
            case STRING -> string(at);
            case NUMBER -> isLong(at) ? (Object) longAt(at) : (Object) doubleAt(at);
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case NULL -> null;
            default -> value(readTree(at));
        };
    }

    /**
     * The entry of {@code path}: -1 when the event has no such value, {@link #NOT_INDEXED} when it must be read
     * with {@link #get} (a path deeper than two, or an event made from a tree).
     */
    int slot(FieldPath path) {
        if (bytes == null || path.length() > 2) {
            return NOT_INDEXED;
        }
        int top = find(path, 0, -1);
        if (top < 0 || path.length() == 1) {
            return top;
        }
        return kind(top) == OBJECT ? find(path, 1, top) : -1;
    }

    /**
     * The entry of segment {@code segment} of {@code path} under {@code parent}, as {@link #find(String, int)}: where the
     * path's hint says when that entry has the name and no name repeats in the event, else searched (and hinted).
     */
    private int find(FieldPath path, int segment, int parent) {
        int hint = path.hints[segment];
        String name = path.segment(segment);
        if (!repeats && hint < count && named(hint, name, name.hashCode(), parent)) {
            return hint;
        }
        int found = find(name, parent);
        if (found >= 0) {
            path.hints[segment] = found;
        }
        return found;
    }

    /** The kind of entry {@code at}: {@link #STRING}, {@link #NUMBER} ... */
    int kind(int at) {
        return entries[at * STRIDE + 5] & 0xFF;
    }

    /** The string of entry {@code at} (a {@link #STRING}), decoded once. */
    String string(int at) {
        Object[] kept = strings;
        if (kept == null) {
            kept = new Object[count];
            strings = kept;
        }
        Object s = kept[at];
        if (s == null) {
            int e = at * STRIDE;
            int start = entries[e + 2] + 1;
            int end = entries[e + 3] - 1;
            s = (entries[e + 5] & ESCAPED_VALUE) == 0
                    ? new String(bytes, start, end - start, StandardCharsets.ISO_8859_1)
                    : decode(bytes, entries[e + 2], entries[e + 3] - 1);
            kept[at] = s;
        }
        return (String) s;
    }

    /** Whether the number of entry {@code at} is whole and fits a long (a {@link Long} from {@link #get}). */
    boolean isLong(int at) {
        int e = at * STRIDE;
        int start = entries[e + 2];
        int end = entries[e + 3];
        int digits = end - start - (bytes[start] == '-' ? 1 : 0);
        for (int k = start; k < end; k++) {
            byte c = bytes[k];
            if (c == '.' || c == 'e' || c == 'E') {
                return false;
            }
        }
        return digits < 19 || parseLong(start, end) != null;
    }

    /** The whole number of entry {@code at}, when {@link #isLong}. */
    long longAt(int at) {
        int e = at * STRIDE;
        int start = entries[e + 2];
        int end = entries[e + 3];
        if (end - start >= 19) {
            return parseLong(start, end);
        }
        boolean negative = bytes[start] == '-';
        long v = 0;
        for (int k = negative ? start + 1 : start; k < end; k++) {
            v = v * 10 + (bytes[k] - '0');
        }
        return negative ? -v : v;
    }

    /** The number of entry {@code at} as a double, as a JSON parser reads it. */
    double doubleAt(int at) {
        int e = at * STRIDE;
        int start = entries[e + 2];
        int end = entries[e + 3];
        // Up to 15 digits without an exponent: the digits as a whole number, divided by a power of ten, both exact,
        // is the correctly rounded value (what Double.parseDouble gives), without making a string.
        boolean negative = bytes[start] == '-';
        long mantissa = 0;
        int digits = 0;
        int scale = -1;
        for (int k = negative ? start + 1 : start; k < end; k++) {
            byte c = bytes[k];
            if (c == '.') {
                scale = 0;
            } else if (c >= '0' && c <= '9') {
                mantissa = mantissa * 10 + (c - '0');
                digits++;
                if (scale >= 0) {
                    scale++;
                }
            } else {
                digits = 99;
                break;
            }
        }
        if (digits <= 15) {
            double d = scale <= 0 ? mantissa : mantissa / POWERS[scale];
            return negative ? -d : d;
        }
        return Double.parseDouble(new String(bytes, start, end - start, StandardCharsets.ISO_8859_1));
    }

    private Long parseLong(int start, int end) {
        try {
            return Long.parseLong(new String(bytes, start, end - start, StandardCharsets.ISO_8859_1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The string between the quotes at {@code at} and {@code close} in {@code b} (checked by the scanner), unescaped:
     * read here when it is ASCII (runs between escapes copied whole), by Jackson when it holds other bytes or escapes
     * beyond Latin-1.
     */
    static String decode(byte[] b, int at, int close) {
        byte[] text = null;
        int n = 0;
        int k = at + 1;
        while (true) {
            int stop = special(b, k);
            while (b[stop] != '"' && b[stop] != '\\' && b[stop] >= 0) {
                stop++;
            }
            if (b[stop] < 0) {
                return decodeByJackson(b, at);
            }
            if (b[stop] == '"' && text == null) {
                return new String(b, at + 1, stop - at - 1, StandardCharsets.ISO_8859_1);
            }
            if (text == null) {
                text = new byte[close - at - 1];
            }
            System.arraycopy(b, k, text, n, stop - k);
            n += stop - k;
            if (b[stop] == '"') {
                return new String(text, 0, n, StandardCharsets.ISO_8859_1);
            }
            byte e = b[stop + 1];
            k = stop + 2;
            int c = switch (e) {
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    k += 4;
                    yield Character.digit(b[stop + 2], 16) << 12 | Character.digit(b[stop + 3], 16) << 8
                            | Character.digit(b[stop + 4], 16) << 4 | Character.digit(b[stop + 5], 16);
                }
                default -> e;
            };
            if (c > 0xFF) {
                return decodeByJackson(b, at);
            }
            text[n++] = (byte) c;
        }
    }

    private static String decodeByJackson(byte[] b, int at) {
        try (JsonParser p = FACTORY.createParser(b, at, b.length - at)) {
            p.nextToken();
            return p.getText();
        } catch (IOException e) {
            throw new UncheckedIOException("an event read as JSON cannot be read again", e);
        }
    }

    private JsonNode readTree(int at) {
        int e = at * STRIDE;
        try {
            return JSON.readTree(bytes, entries[e + 2], entries[e + 3] - entries[e + 2]);
        } catch (IOException ex) {
            throw new UncheckedIOException("an event read as JSON cannot be read again", ex);
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
        int at = find(name, -1);
        if (at < 0) {
            return null;
        }
        int kind = kind(at);
        if (kind == OBJECT || kind == ARRAY) {
            return Arrays.copyOfRange(bytes, entries[at * STRIDE + 2], entries[at * STRIDE + 3]);
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
            if (entries[i * STRIDE + 4] == -1 && !known.contains(name(i))) {
                return true;
            }
        }
        return false;
    }

    private String name(int at) {
        int e = at * STRIDE;
        return (entries[e + 5] & ESCAPED_NAME) == 0
                ? new String(bytes, entries[e], entries[e + 1] - entries[e], StandardCharsets.ISO_8859_1)
                : decode(bytes, entries[e] - 1, entries[e + 1]);
    }

    /**
     * The last entry named {@code name} under {@code parent} (-1: the top level; a repeated key counts as its last
     * value, as in a tree), or -1.
     */
    private int find(String name, int parent) {
        int hash = name.hashCode();
        for (int i = count - 1; i >= 0; i--) {
            if (named(i, name, hash, parent)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether entry {@code i} is {@code name} (of {@link String#hashCode()} {@code hash}) under {@code parent}. */
    private boolean named(int i, String name, int hash, int parent) {
        int e = i * STRIDE;
        if (entries[e + 6] != hash || entries[e + 4] != parent) {
            return false;
        }
        if ((entries[e + 5] & ESCAPED_NAME) != 0) {
            return name(i).equals(name);
        }
        int start = entries[e];
        int length = name.length();
        if (entries[e + 1] - start != length) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            if (bytes[start + k] != name.charAt(k)) {
                return false;
            }
        }
        return true;
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
        String fileId = null;
        String offset = null;
        if (bytes == null) {
            JsonNode source = json.path("source");
            JsonNode f = source.path("file_id");
            JsonNode o = source.path("offset");
            fileId = f.isTextual() ? f.textValue() : null;
            offset = o.isIntegralNumber() ? Long.toString(o.longValue()) : null;
        } else {
            int f = slot(FILE_ID);
            int o = slot(OFFSET);
            if (f >= 0 && kind(f) == STRING && o >= 0 && kind(o) == NUMBER && isLong(o)) {
                int fe = f * STRIDE;
                int oe = o * STRIDE;
                int digits = entries[oe + 3] - entries[oe + 2];
                if ((entries[fe + 5] & ESCAPED_VALUE) != 0 || (digits == 2 && bytes[entries[oe + 2]] == '-')) {
                    return string(f) + "@" + longAt(o);
                }
                // An unescaped id and a whole number as JSON writes it (but -0) read as they are written: one copy.
                int idLength = entries[fe + 3] - entries[fe + 2] - 2;
                byte[] id = new byte[idLength + 1 + digits];
                System.arraycopy(bytes, entries[fe + 2] + 1, id, 0, idLength);
                id[idLength] = '@';
                System.arraycopy(bytes, entries[oe + 2], id, idLength + 1, digits);
                return new String(id, StandardCharsets.ISO_8859_1);
            }
        }
        if (fileId != null && offset != null) {
            return fileId + "@" + offset;
        }
        return index < 0 ? "id:" + messageId : "id:" + messageId + "#" + index;
    }

    /** Serialized as its JSON text, read back with {@link #parse}. */
    @Serial
    private Object writeReplace() {
        return new Text(toString());
    }

    /** A serialized event: its JSON. */
    private static final class Text implements Serializable {
        @Serial
        private static final long serialVersionUID = 1;
        private final String json;

        Text(String json) {
            this.json = json;
        }

        @Serial
        private Object readResolve() throws java.io.InvalidObjectException {
            JsonEvent event = parse(json.getBytes(StandardCharsets.UTF_8));
            if (event == null) {
                throw new java.io.InvalidObjectException("not a JSON object: " + json);
            }
            return event;
        }
    }

    /** The event's JSON. */
    @Override
    public String toString() {
        return bytes != null ? new String(bytes, StandardCharsets.UTF_8) : json.toString();
    }
}
