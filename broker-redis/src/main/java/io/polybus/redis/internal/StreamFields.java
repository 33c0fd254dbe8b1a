package io.polybus.redis.internal;

import io.polybus.Message;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A message as a stream entry. Polybus writes one field, {@code m}, holding the whole message as a
 * {@link Blob} (id, timestamp, key, headers, payload, binary-safe): one field per entry keeps {@code XADD}
 * as cheap for Redis as a bare payload. Entries written by other programs are read too: field {@code p} is
 * the payload, {@code k} the key, every other field a header, and the entry id serves as message id and
 * timestamp.
 */
final class StreamFields {
    private static final byte[] XADD_AUTO = bytes("*");
    private static final byte[] MAXLEN = bytes("MAXLEN");
    private static final byte[] APPROX = bytes("~");
    private static final byte[] MESSAGE = bytes("m");

    private StreamFields() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The arguments of {@code XADD} for {@code message} to {@code streamKey}, trimmed to about {@code maxLen} when positive. */
    static byte[][] xaddArgs(byte[] streamKey, Message message, long maxLen) {
        if (maxLen > 0) {
            return new byte[][]{streamKey, MAXLEN, APPROX, bytes(Long.toString(maxLen)), XADD_AUTO, MESSAGE,
                    Blob.encode(message, 0)};
        }
        return new byte[][]{streamKey, XADD_AUTO, MESSAGE, Blob.encode(message, 0)};
    }

    /** The message stored in entry {@code entryId} with {@code fields} (a flat list: name, value, name, value, ...). */
    static Message decode(String topic, byte[] entryId, List<?> fields) {
        if (fields.size() == 2 && isMessageField((byte[]) fields.get(0))) {
            try {
                return Blob.decode(topic, (byte[]) fields.get(1)).message();
            } catch (RuntimeException e) {
                // Not ours after all: read it as a foreign entry below.
            }
        }
        String id = new String(entryId, StandardCharsets.US_ASCII);
        Message.Builder b = Message.builder(topic).id(id);
        int dash = id.indexOf('-');
        try {
            b.timestampMillis(Long.parseLong(dash < 0 ? id : id.substring(0, dash)));
        } catch (NumberFormatException e) {
            // An entry id is always <millis>-<seq>; keep the default timestamp otherwise.
        }
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            String name = new String((byte[]) fields.get(i), StandardCharsets.UTF_8);
            byte[] value = (byte[]) fields.get(i + 1);
            if (name.equals("p")) {
                b.unsafePayload(value);
            } else if (name.equals("k")) {
                b.unsafeKey(value);
            } else {
                b.header(name, new String(value, StandardCharsets.UTF_8));
            }
        }
        return b.build();
    }

    private static boolean isMessageField(byte[] name) {
        return name.length == 1 && name[0] == 'm';
    }
}
