package io.polybus.zeromq.internal;

import io.polybus.Message;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One message is one ZeroMQ frame, so that a high-water mark takes or refuses it whole:
 * {@code topic 0x00 | id | timestamp | key | headers | payload}, strings and the key length-prefixed (4 bytes; a
 * key length of -1 is no key). The topic and its terminating zero come first because SUB sockets filter on a
 * frame's leading bytes: subscribing to {@code "logs\0"} matches {@code logs} but not {@code logs.dlq}.
 *
 * <p>Frames starting with {@link #CONTROL} (0x7F, which no UTF-8 topic a producer accepts starts with) are the
 * handshake between hubs and producers: the hub's standing subscription {@link #READY}, and the one-off
 * {@code CONTROL "polybus-sync:" n 0x00} subscriptions that producers echo back as a frame of the same bytes.
 */
final class Frames {
    static final byte CONTROL = 0x7f;
    static final byte[] READY = control("polybus-ready");
    static final String SYNC_PREFIX = "polybus-sync:";

    private Frames() {
    }

    static byte[] control(String text) {
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[t.length + 1];
        b[0] = CONTROL;
        System.arraycopy(t, 0, b, 1, t.length);
        return b;
    }

    static byte[] sync(long n) {
        byte[] b = control(SYNC_PREFIX + n + "\0");
        return b;
    }

    static boolean isSync(byte[] b, int offset) {
        byte[] prefix = control(SYNC_PREFIX);
        if (b.length - offset < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The subscription prefix of {@code topic}. */
    static byte[] topicPrefix(String topic) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[t.length + 1];
        System.arraycopy(t, 0, b, 0, t.length);
        return b;
    }

    static byte[] encode(byte[] topicPrefix, Message m) {
        byte[] id = m.id().getBytes(StandardCharsets.UTF_8);
        byte[] key = m.unsafeKey();
        byte[] payload = m.unsafePayload();
        Map<String, String> headers = m.headers();
        int size = topicPrefix.length + 4 + id.length + 8 + 4 + (key == null ? 0 : key.length) + 4 + payload.length;
        byte[][] names = new byte[headers.size()][];
        byte[][] values = new byte[headers.size()][];
        int i = 0;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            names[i] = h.getKey().getBytes(StandardCharsets.UTF_8);
            values[i] = h.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + names[i].length + values[i].length;
            i++;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(topicPrefix).putInt(id.length).put(id).putLong(m.timestampMillis());
        if (key == null) {
            b.putInt(-1);
        } else {
            b.putInt(key.length).put(key);
        }
        b.putInt(names.length);
        for (int j = 0; j < names.length; j++) {
            b.putInt(names[j].length).put(names[j]).putInt(values[j].length).put(values[j]);
        }
        b.put(payload);
        return b.array();
    }

    /** The topic of a message frame (the bytes before the first zero), or null when it has none. */
    static String topic(byte[] frame) {
        for (int i = 0; i < frame.length; i++) {
            if (frame[i] == 0) {
                return new String(frame, 0, i, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    static Message decode(String topic, byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        b.position(topic.getBytes(StandardCharsets.UTF_8).length + 1);
        Message.Builder m = Message.builder(topic).id(string(b)).timestampMillis(b.getLong());
        int keyLength = b.getInt();
        if (keyLength >= 0) {
            m.unsafeKey(bytes(b, keyLength));
        }
        int headers = b.getInt();
        for (int i = 0; i < headers; i++) {
            m.header(string(b), string(b));
        }
        return m.unsafePayload(bytes(b, b.remaining())).build();
    }

    private static String string(ByteBuffer b) {
        return new String(bytes(b, b.getInt()), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
