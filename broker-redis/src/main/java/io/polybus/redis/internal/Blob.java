package io.polybus.redis.internal;

import io.polybus.Message;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A message, with the number of deliveries it already had, as one binary value (a list element or a
 * pub/sub payload): a version byte, deliveries, timestamp, id, key (length -1 for none), headers, payload.
 */
final class Blob {
    private static final byte VERSION = 1;

    private Blob() {
    }

    /** A message with its deliveries so far. */
    record Decoded(Message message, int deliveries) {
    }

    static byte[] encode(Message message, int deliveries) {
        byte[] id = message.id().getBytes(StandardCharsets.UTF_8);
        byte[] key = message.unsafeKey();
        byte[] payload = message.unsafePayload();
        int size = 1 + 4 + 8 + 4 + id.length + 4 + (key == null ? 0 : key.length) + 4 + 4 + payload.length;
        byte[][] headers = new byte[message.headers().size() * 2][];
        int i = 0;
        for (Map.Entry<String, String> h : message.headers().entrySet()) {
            headers[i] = h.getKey().getBytes(StandardCharsets.UTF_8);
            headers[i + 1] = h.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + headers[i].length + headers[i + 1].length;
            i += 2;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.put(VERSION).putInt(deliveries).putLong(message.timestampMillis());
        buf.putInt(id.length).put(id);
        if (key == null) {
            buf.putInt(-1);
        } else {
            buf.putInt(key.length).put(key);
        }
        buf.putInt(message.headers().size());
        for (byte[] h : headers) {
            buf.putInt(h.length).put(h);
        }
        buf.putInt(payload.length).put(payload);
        return buf.array();
    }

    static Decoded decode(String topic, byte[] blob) {
        ByteBuffer buf = ByteBuffer.wrap(blob);
        byte version = buf.get();
        if (version != VERSION) {
            throw new IllegalArgumentException("not a Polybus message (format " + version + ")");
        }
        int deliveries = buf.getInt();
        Message.Builder b = Message.builder(topic).timestampMillis(buf.getLong());
        b.id(new String(bytes(buf), StandardCharsets.UTF_8));
        int keyLength = buf.getInt();
        if (keyLength >= 0) {
            byte[] key = new byte[keyLength];
            buf.get(key);
            b.unsafeKey(key);
        }
        int headers = buf.getInt();
        for (int i = 0; i < headers; i++) {
            String name = new String(bytes(buf), StandardCharsets.UTF_8);
            b.header(name, new String(bytes(buf), StandardCharsets.UTF_8));
        }
        b.unsafePayload(bytes(buf));
        return new Decoded(b.build(), deliveries);
    }

    private static byte[] bytes(ByteBuffer buf) {
        byte[] b = new byte[buf.getInt()];
        buf.get(b);
        return b;
    }
}
