package io.polybus.redis.internal;

import io.polybus.Message;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A message as the fields of a stream entry: {@code id}, {@code ts}, {@code k} (absent for no key),
 * {@code h.<name>} per header, and {@code p}, the payload last. Bytes go to Redis as they are (binary-safe).
 */
final class StreamFields {
    private static final byte[] XADD_AUTO = bytes("*");
    private static final byte[] MAXLEN = bytes("MAXLEN");
    private static final byte[] APPROX = bytes("~");
    private static final byte[] ID = bytes("id");
    private static final byte[] TS = bytes("ts");
    private static final byte[] KEY = bytes("k");
    private static final byte[] PAYLOAD = bytes("p");
    private static final String HEADER_PREFIX = "h.";

    private StreamFields() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The arguments of {@code XADD} for {@code message} to {@code streamKey}, trimmed to about {@code maxLen} when positive. */
    static byte[][] xaddArgs(byte[] streamKey, Message message, long maxLen) {
        byte[] key = message.unsafeKey();
        Map<String, String> headers = message.headers();
        int n = 2 + (maxLen > 0 ? 3 : 0) + 6 + (key == null ? 0 : 2) + 2 * headers.size();
        byte[][] args = new byte[n][];
        int i = 0;
        args[i++] = streamKey;
        if (maxLen > 0) {
            args[i++] = MAXLEN;
            args[i++] = APPROX;
            args[i++] = bytes(Long.toString(maxLen));
        }
        args[i++] = XADD_AUTO;
        args[i++] = ID;
        args[i++] = bytes(message.id());
        args[i++] = TS;
        args[i++] = bytes(Long.toString(message.timestampMillis()));
        if (key != null) {
            args[i++] = KEY;
            args[i++] = key;
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            args[i++] = bytes(HEADER_PREFIX + h.getKey());
            args[i++] = bytes(h.getValue());
        }
        args[i++] = PAYLOAD;
        args[i] = message.unsafePayload();
        return args;
    }

    /** The message stored in the fields of one entry (a flat list: name, value, name, value, ...). */
    static Message decode(String topic, List<?> fields) {
        Message.Builder b = Message.builder(topic);
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            byte[] name = (byte[]) fields.get(i);
            byte[] value = (byte[]) fields.get(i + 1);
            if (name.length == 1 && name[0] == 'p') {
                b.payload(value);
            } else if (name.length == 1 && name[0] == 'k') {
                b.key(value);
            } else if (name.length == 2 && name[0] == 'i' && name[1] == 'd') {
                b.id(new String(value, StandardCharsets.UTF_8));
            } else if (name.length == 2 && name[0] == 't' && name[1] == 's') {
                b.timestampMillis(Long.parseLong(new String(value, StandardCharsets.US_ASCII)));
            } else if (name.length > 2 && name[0] == 'h' && name[1] == '.') {
                b.header(new String(name, 2, name.length - 2, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8));
            }
        }
        return b.build();
    }
}
