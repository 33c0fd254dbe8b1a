package io.polybus.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes events in the event format ({@link LogEvent} shows it): the one writer of event JSON, used by the
 * agent, the application appenders and every source. This is the agent's hot path, so the parts that repeat
 * (host, the source object up to the offset, the timestamp of the current millisecond) are encoded once and
 * copied, the ASCII line of a {@link MutableEvent} goes from the reader's bytes to the payload without
 * becoming a String, and {@link SharedFields} are copied as the JSON they were written to once. Parsed fields of the JSON types are written here too, other values by Jackson.
 *
 * <p>Not thread-safe: one per thread.
 */
public final class EventWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIMESTAMP = ascii("{\"timestamp\":\"");
    private static final byte[] FIELDS = ascii(",\"fields\":");
    private static final byte[] TAGS = ascii(",\"tags\":[");
    private static final byte[] OFFSET = ascii(",\"offset\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");

    private byte[] buf = new byte[1024];
    private int len;

    private long cachedMillis = Long.MIN_VALUE;
    private byte[] cachedTimestamp;
    private String cachedHost;
    private byte[] hostPart;
    private String cachedPath;
    private String cachedFileId;
    private String cachedPeer;
    private String cachedSourceName;
    private String cachedSourceType;
    private byte[] sourcePart;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The event as JSON bytes. */
    public byte[] write(LogEvent e) {
        return write(e, 0);
    }

    /**
     * The event as JSON bytes, its message shortened to {@code maxMessageChars} chars when that is above zero
     * (for an event that must fit a broker's size limit).
     */
    public byte[] write(LogEvent e, int maxMessageChars) {
        len = 0;
        raw(TIMESTAMP);
        raw(timestamp(e.timestampMillis()));
        raw(hostPart(e.host()));
        put('"');
        if (maxMessageChars > 0) {
            String m = e.message();
            raw(ENCODER.quoteAsUTF8(m.length() > maxMessageChars ? m.substring(0, maxMessageChars) : m));
        } else if (e instanceof MutableEvent m && m.hasRawAscii()) {
            asciiString(m.raw(), m.rawOffset(), m.rawLength());
        } else {
            raw(ENCODER.quoteAsUTF8(e.message()));
        }
        put('"');
        raw(sourcePart(e));
        if (e.peer() == null && e.offset() >= 0) {
            raw(OFFSET);
            number(e.offset());
        }
        put('}');
        Map<String, Object> fields = e.fields();
        if (!fields.isEmpty()) {
            raw(FIELDS);
            object(fields);
        }
        List<String> tags = e.tags();
        if (!tags.isEmpty()) {
            raw(TAGS);
            for (int i = 0; i < tags.size(); i++) {
                if (i > 0) {
                    put(',');
                }
                put('"');
                raw(ENCODER.quoteAsUTF8(tags.get(i)));
                put('"');
            }
            put(']');
        }
        put('}');
        return Arrays.copyOf(buf, len);
    }

    /** {@code map} as a JSON object, written as event fields are. */
    static byte[] objectJson(Map<?, ?> map) {
        EventWriter w = new EventWriter();
        w.object(map);
        return Arrays.copyOf(w.buf, w.len);
    }

    private byte[] timestamp(long millis) {
        if (millis != cachedMillis) {
            cachedMillis = millis;
            cachedTimestamp = ascii(Instant.ofEpochMilli(millis).toString());
        }
        return cachedTimestamp;
    }

    private byte[] hostPart(String host) {
        if (!host.equals(cachedHost)) {
            cachedHost = host;
            hostPart = concat("\",\"host\":\"", host, "\",\"message\":");
        }
        return hostPart;
    }

    private byte[] sourcePart(LogEvent e) {
        String path = e.path();
        String fileId = e.fileId();
        String peer = e.peer();
        // Identity, not equality: the strings of one input are the same objects from record to record.
        if (sourcePart == null || path != cachedPath || fileId != cachedFileId || peer != cachedPeer
                || e.sourceName() != cachedSourceName || e.sourceType() != cachedSourceType) {
            cachedPath = path;
            cachedFileId = fileId;
            cachedPeer = peer;
            cachedSourceName = e.sourceName();
            cachedSourceType = e.sourceType();
            StringBuilder sb = new StringBuilder(",\"source\":{\"type\":\"").append(quote(e.sourceType())).append('"');
            if (e.sourceName() != null) {
                sb.append(",\"name\":\"").append(quote(e.sourceName())).append('"');
            }
            if (path != null) {
                sb.append(",\"path\":\"").append(quote(path)).append('"');
            }
            if (fileId != null) {
                sb.append(",\"file_id\":\"").append(quote(fileId)).append('"');
            }
            if (peer != null) {
                sb.append(",\"peer\":\"").append(quote(peer)).append('"');
            }
            sourcePart = sb.toString().getBytes(StandardCharsets.UTF_8);
        }
        return sourcePart;
    }

    private void object(Map<?, ?> map) {
        put('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!first) {
                put(',');
            }
            first = false;
            string(String.valueOf(entry.getKey()));
            put(':');
            value(entry.getValue());
        }
        put('}');
    }

    /** Writes the values parsers produce itself; anything else as Jackson writes it. */
    private void value(Object v) {
        if (v == null) {
            raw(NULL);
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            number(((Number) v).longValue());
        } else if (v instanceof Double d && Double.isFinite(d)) {
            raw(ascii(Double.toString(d)));
        } else if (v instanceof Boolean b) {
            raw(b ? TRUE : FALSE);
        } else if (v instanceof SharedFields shared) {
            raw(shared.json());
        } else if (v instanceof Map<?, ?> m) {
            object(m);
        } else if (v instanceof List<?> list) {
            put('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    put(',');
                }
                value(list.get(i));
            }
            put(']');
        } else {
            try {
                raw(MAPPER.writeValueAsBytes(v));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("a field of type " + v.getClass().getName() + " cannot be written as JSON", ex);
            }
        }
    }

    /** A JSON string: ASCII copied as it is (escaped where JSON needs it), the rest through Jackson's encoder. */
    private void string(String s) {
        int n = s.length();
        ensure(n + 2);
        buf[len++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                raw(ENCODER.quoteAsUTF8(s.substring(i)));
                break;
            }
            if (c < 0x20 || c == '"' || c == '\\') {
                escape((byte) c);
            } else {
                ensure(1);
                buf[len++] = (byte) c;
            }
        }
        put('"');
    }

    private static String quote(String s) {
        return new String(ENCODER.quoteAsString(s));
    }

    private static byte[] concat(String before, String value, String after) {
        return (before + quote(value) + after).getBytes(StandardCharsets.UTF_8);
    }

    /** Copies ASCII bytes as JSON string content, escaping quotes, backslashes and control characters. */
    private void asciiString(byte[] b, int off, int n) {
        ensure(n);
        int end = off + n;
        int run = off;
        for (int i = off; i < end; i++) {
            byte c = b[i];
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            if (i > run) {
                System.arraycopy(b, run, buf, len, i - run);
                len += i - run;
            }
            escape(c);
            run = i + 1;
        }
        if (end > run) {
            ensure(end - run);
            System.arraycopy(b, run, buf, len, end - run);
            len += end - run;
        }
    }

    private void escape(byte c) {
        ensure(6);
        buf[len++] = '\\';
        switch (c) {
            case '"' -> buf[len++] = '"';
            case '\\' -> buf[len++] = '\\';
            case '\n' -> buf[len++] = 'n';
            case '\r' -> buf[len++] = 'r';
            case '\t' -> buf[len++] = 't';
            case '\b' -> buf[len++] = 'b';
            case '\f' -> buf[len++] = 'f';
            default -> {
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[(c >> 4) & 0xF];
                buf[len++] = HEX[c & 0xF];
            }
        }
    }

    private void number(long v) {
        if (v == 0) {
            put('0');
            return;
        }
        if (v == Long.MIN_VALUE) {
            raw(ascii(Long.toString(v)));
            return;
        }
        ensure(20);
        if (v < 0) {
            put('-');
            v = -v;
        }
        int start = len;
        while (v > 0) {
            buf[len++] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    private void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    private void put(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(len + more, buf.length * 2));
        }
    }
}
