package io.polybus.rocketmq.internal;

import io.polybus.Message;
import io.polybus.PolybusException;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * How a {@link Message} travels as a RocketMQ message, and how Polybus names become RocketMQ names.
 *
 * <p>The payload is the body, untouched. Everything else Polybus carries (id, timestamp, key bytes, headers) goes
 * in one user property, {@value #PROPERTY}: a small binary block in Base64. RocketMQ's own properties cannot carry
 * them byte for byte (it refuses blank values, and its separators \u0001 and \u0002 would split a value), and its
 * keys are strings. A message another client sent reads too: its id is RocketMQ's message id, its key its
 * {@code KEYS}, its headers its user properties.
 *
 * <p>Names: RocketMQ allows {@code [%|a-zA-Z0-9_-]} in topic and group names, Polybus also the dot
 * ({@code orders.dlq}); a dot is written {@code |}. A consumer group is {@code <topic>|<group>}: a Polybus group is
 * a subscription of one topic, a RocketMQ group may subscribe to only one set of topics. A group's delayed requeues
 * wait on its delay topic {@code %DELAY%<group>}.
 */
final class WireFormat {
    static final String PROPERTY = "polybus";
    /** The deliveries a delayed requeue's copy had before it was requeued: its next delivery is attempt + 1. */
    static final String ATTEMPTS = "polybusAttempts";
    /**
     * Prefix of a group's delay topic, which holds its delayed requeues. Like RocketMQ's own {@code %RETRY%}, it
     * has a {@code %}, which no Polybus name makes, and the same length, so every valid group has a valid one.
     */
    static final String DELAY_PREFIX = "%DELAY%";
    private static final byte VERSION = 1;
    private static final byte[] EMPTY_BODY = {0};
    private static final int MAX_NAME = 127;
    /** Longest group: its retry topic {@code %RETRY%<group>} and its delay topic must still be valid topics. */
    private static final int MAX_GROUP = MAX_NAME - Math.max(MixAll.RETRY_GROUP_TOPIC_PREFIX.length(),
            DELAY_PREFIX.length());

    private WireFormat() {
    }

    /** The RocketMQ topic for a Polybus topic. */
    static String topic(String polybusTopic) {
        return name(polybusTopic, "topic", MAX_NAME);
    }

    /** The RocketMQ consumer group of a Polybus group on a topic. */
    static String group(String polybusTopic, String polybusGroup) {
        return name(polybusTopic + "." + polybusGroup, "group '" + polybusGroup + "' on topic", MAX_GROUP);
    }

    /** The topic that holds the delayed requeues of RocketMQ consumer group {@code group}. */
    static String delayTopic(String group) {
        return DELAY_PREFIX + group;
    }

    /** The deliveries {@code m} had before, as a copy of a delayed requeue: 0 for any other message. */
    static int attemptsBefore(MessageExt m) {
        String attempts = m.getUserProperty(ATTEMPTS);
        if (attempts == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(attempts));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String name(String name, String what, int max) {
        if (name.isEmpty() || name.length() > max) {
            throw new PolybusException("RocketMQ cannot name " + what + " '" + name + "': it must have 1 to " + max
                    + " characters");
        }
        char[] out = new char[name.length()];
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                out[i] = '|';
            } else if (c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
                out[i] = c;
            } else {
                throw new PolybusException("RocketMQ cannot name " + what + " '" + name + "': only letters, digits,"
                        + " '.', '-' and '_' are allowed, not '" + c + "'");
            }
        }
        return new String(out);
    }

    /** The RocketMQ message for {@code message} on RocketMQ topic {@code topic}. */
    static org.apache.rocketmq.common.message.Message toRocketMq(String topic, Message message) {
        byte[] payload = message.unsafePayload();
        // RocketMQ refuses an empty body: an empty payload travels as one placeholder byte, flagged in the block.
        org.apache.rocketmq.common.message.Message m = new org.apache.rocketmq.common.message.Message(topic,
                payload.length == 0 ? EMPTY_BODY : payload);
        m.putUserProperty(PROPERTY, encode(message));
        return m;
    }

    /**
     * The block in one pass: its exact size first, then the bytes straight into one array (the layout of
     * {@link java.io.DataOutputStream}: big-endian numbers, the id in modified UTF-8), then Base64.
     */
    private static String encode(Message message) {
        String id = message.id();
        int idLength = modifiedUtf8Length(id);
        if (idLength > 0xffff) {
            throw new PolybusException("message id of " + idLength + " bytes is too long for RocketMQ (at most 65535)");
        }
        byte[] key = message.unsafeKey();
        Map<String, String> headers = message.headers();
        byte[][] names = new byte[headers.size()][];
        byte[][] values = new byte[headers.size()][];
        int size = 1 + 1 + 2 + idLength + 8 + 4 + (key == null ? 0 : key.length) + 4;
        int h = 0;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            names[h] = e.getKey().getBytes(StandardCharsets.UTF_8);
            values[h] = e.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + names[h].length + values[h].length;
            h++;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION).put((byte) (message.payloadSize() == 0 ? 1 : 0)).putShort((short) idLength);
        putModifiedUtf8(out, id);
        out.putLong(message.timestampMillis());
        out.putInt(key == null ? -1 : key.length);
        if (key != null) {
            out.put(key);
        }
        out.putInt(names.length);
        for (int i = 0; i < names.length; i++) {
            out.putInt(names[i].length).put(names[i]).putInt(values[i].length).put(values[i]);
        }
        return Base64.getEncoder().encodeToString(out.array());
    }

    /** The length of {@code s} in the modified UTF-8 of {@link DataInputStream#readUTF}. */
    private static int modifiedUtf8Length(String s) {
        int length = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7f) {
                length += c > 0x7ff ? 2 : 1;
            }
        }
        return length;
    }

    private static void putModifiedUtf8(ByteBuffer out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != 0 && c <= 0x7f) {
                out.put((byte) c);
            } else if (c <= 0x7ff) {
                out.put((byte) (0xc0 | c >> 6)).put((byte) (0x80 | c & 0x3f));
            } else {
                out.put((byte) (0xe0 | c >> 12)).put((byte) (0x80 | c >> 6 & 0x3f)).put((byte) (0x80 | c & 0x3f));
            }
        }
    }

    /** The Polybus message in {@code m}, read from Polybus topic {@code topic}. */
    static Message toMessage(String topic, MessageExt m) {
        byte[] body = m.getBody() == null ? new byte[0] : m.getBody();
        Message.Builder b = Message.builder(topic).unsafePayload(body);
        String block = m.getUserProperty(PROPERTY);
        if (block == null) {
            b.id(m.getMsgId()).timestampMillis(m.getBornTimestamp());
            if (m.getKeys() != null) {
                b.key(m.getKeys());
            }
            m.getProperties().forEach((name, value) -> {
                if (!MessageConst.STRING_HASH_SET.contains(name)) {
                    b.header(name, value);
                }
            });
            return b.build();
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(block)))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IOException("unknown Polybus wire format version " + version);
            }
            if (in.readBoolean()) {
                b.unsafePayload(new byte[0]);
            }
            b.id(in.readUTF()).timestampMillis(in.readLong());
            int keyLength = in.readInt();
            if (keyLength >= 0) {
                b.unsafeKey(in.readNBytes(keyLength));
            }
            int headers = in.readInt();
            for (int i = 0; i < headers; i++) {
                b.header(readString(in), readString(in));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new PolybusException("message " + m.getMsgId() + " on topic '" + topic
                    + "' has an unreadable Polybus property: " + e.getMessage(), e);
        }
        return b.build();
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
    }
}
