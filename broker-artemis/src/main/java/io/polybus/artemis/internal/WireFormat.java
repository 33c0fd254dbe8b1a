package io.polybus.artemis.internal;

import io.polybus.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.core.client.impl.ClientMessageImpl;
import org.apache.activemq.artemis.utils.UUID;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How a {@link Message} travels as an Artemis core message: the payload as the body of a bytes message, the
 * timestamp in the message's own timestamp, an id given to the message in string property {@code polybus.id}
 * (else a generated id in the message's user id, the 16 bytes JMS clients read as JMSMessageID), headers as string
 * properties of their own names, and the key as the message group id ({@code _AMQ_GROUP_ID}, JMSXGroupID),
 * which is what keeps one key on one consumer of a group. The group id holds the key's bytes one char each
 * (ISO-8859-1), so any key, binary ones included, survives byte for byte; a UTF-8 key that is ASCII reads the same
 * from other clients.
 */
final class WireFormat {
    static final SimpleString ID = SimpleString.of("polybus.id");
    /** The attempt a copy re-sent by a requeue starts at. */
    static final SimpleString ATTEMPT = SimpleString.of("polybus.attempt");
    /** A dead letter's extra header: the queue of the group that gave up on it. */
    static final String DEAD_LETTER_QUEUE = "polybus.dlq.artemis-queue";
    /** Properties Artemis sets or reads itself start with this; they are never user headers. */
    private static final SimpleString ARTEMIS_PREFIX = SimpleString.of("_AMQ_");
    /** The default priority of JMS and of the core client. */
    private static final byte PRIORITY = 4;
    private static final int INITIAL_BUFFER = 1500;
    /** The first 8 bytes of this process's generated user ids: random, so that two processes never meet. */
    private static final long USER_ID_PREFIX = new SecureRandom().nextLong();
    /** The last 8 bytes: a count, far below the 2^62 where the variant bits would cut it. */
    private static final AtomicLong USER_ID_COUNT = new AtomicLong();
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

    private WireFormat() {
    }

    /**
     * The core message for {@code message}; {@code attempt} above 1 for a requeued copy. A message without a given
     * id gets a new user id ({@link #userId}), which names it for its consumers: 16 bytes of the message's header
     * instead of a property that the client, the broker and every consumer would encode, store and decode.
     */
    static ClientMessage toClient(Message message, boolean durable, int attempt) {
        ClientMessage m = new ClientMessageImpl(ClientMessage.BYTES_TYPE, durable, 0, message.timestampMillis(), PRIORITY,
                INITIAL_BUFFER);
        if (message.hasGivenId()) {
            m.putStringProperty(ID, message.id());
        } else {
            m.setUserID(newUserId());
        }
        Map<String, String> headers = message.headers();
        if (!headers.isEmpty()) {
            for (Map.Entry<String, String> h : headers.entrySet()) {
                m.putStringProperty(h.getKey(), h.getValue());
            }
        }
        byte[] key = message.unsafeKey();
        if (key != null) {
            m.setGroupID(SimpleString.of(new String(key, StandardCharsets.ISO_8859_1)));
        }
        if (attempt > 1) {
            m.putIntProperty(ATTEMPT, attempt);
        }
        m.getBodyBuffer().writeBytes(message.unsafePayload());
        return m;
    }

    /** A delivery read: the Polybus message and its attempt number. */
    record Received(Message message, int attempt) {
    }

    /**
     * The Polybus message in {@code m}, read from topic {@code topic}, and its attempt number. A message another
     * client sent reads too: its id is then the text of its user id or Artemis's message id, its headers its string
     * properties. Each property look-up takes the message's properties lock, so a message without properties (what
     * a Polybus producer sends without a key, headers or a given id) is read without any.
     */
    static Received read(String topic, ClientMessage m) {
        byte[] payload = new byte[m.getBodySize()];
        m.getBodyBuffer().readBytes(payload);
        Message.Builder b = Message.builder(topic).unsafePayload(payload).timestampMillis(m.getTimestamp());
        Set<SimpleString> names = m.getPropertyNames();
        Object id = null;
        Object carried = null;
        if (!names.isEmpty()) {
            for (SimpleString name : names) {
                if (name.equals(ID)) {
                    id = m.getObjectProperty(name);
                } else if (name.equals(ATTEMPT)) {
                    carried = m.getObjectProperty(name);
                } else if (!name.startsWith(ARTEMIS_PREFIX) && m.getObjectProperty(name) instanceof SimpleString value) {
                    b.header(name.toString(), value.toString());
                }
            }
            SimpleString group = m.getGroupID();
            if (group != null) {
                b.unsafeKey(keyBytes(group.toString()));
            }
        }
        if (id instanceof SimpleString s) {
            b.id(s.toString());
        } else if (m.getUserID() instanceof UUID userId) {
            b.id(text(userId));
        } else if (m.getUserID() != null) {
            b.id(m.getUserID().toString());
        } else {
            b.id("artemis-" + m.getMessageID());
        }
        return new Received(b.build(), attempt(carried, m.getDeliveryCount()));
    }

    /** The generated user id of a message {@link #toClient} made, or null when the message carries a given id. */
    static UUID userId(ClientMessage m) {
        return (UUID) m.getUserID();
    }

    /**
     * A user id unique to this message: the process's random prefix and a count. Artemis reads every user id back
     * as a time-based UUID, so it is made as one: its text is then the same for the producer and the consumers.
     */
    private static UUID newUserId() {
        byte[] bytes = new byte[16];
        long prefix = USER_ID_PREFIX;
        long count = USER_ID_COUNT.incrementAndGet();
        for (int i = 7; i >= 0; i--) {
            bytes[i] = (byte) prefix;
            bytes[8 + i] = (byte) count;
            prefix >>>= 8;
            count >>>= 8;
        }
        return new UUID(UUID.TYPE_TIME_BASED, bytes);
    }

    /**
     * The text of a user id, as {@link UUID#toString()} writes it (8-4-4-4-12 lower-case hex digits) for every client
     * that reads it, written straight into a string's bytes: a consumer names every message by it.
     */
    static String text(UUID userId) {
        byte[] id = userId.asBytes();
        byte[] text = new byte[36];
        int at = 0;
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                text[at++] = '-';
            }
            text[at++] = HEX[(id[i] >> 4) & 0xf];
            text[at++] = HEX[id[i] & 0xf];
        }
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    /** The key in a group id: one byte per char as Polybus writes them, UTF-8 for one that another client set. */
    private static byte[] keyBytes(String group) {
        for (int i = 0; i < group.length(); i++) {
            if (group.charAt(i) > 0xff) {
                return group.getBytes(StandardCharsets.UTF_8);
            }
        }
        return group.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The attempt number of a delivery: the attempt a requeued copy carries ({@code carried}; 1 for an original)
     * plus the deliveries Artemis counted before this one (a consumer that closed, crashed or lost its connection
     * without settling it).
     */
    private static int attempt(Object carried, int deliveryCount) {
        long base = carried instanceof Integer n ? Math.max(1, n) : 1;
        return (int) Math.min(Integer.MAX_VALUE, base + Math.max(0, deliveryCount - 1));
    }
}
