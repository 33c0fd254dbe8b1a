package io.polybus.artemis.internal;

import io.polybus.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.core.client.impl.ClientMessageImpl;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How a {@link Message} travels as an Artemis core message: the payload as the body of a bytes message, the
 * timestamp in the message's own timestamp, the id in string property {@code polybus.id}, headers as string
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

    private WireFormat() {
    }

    /** The core message for {@code message}; {@code attempt} above 1 for a requeued copy. */
    static ClientMessage toClient(Message message, boolean durable, int attempt) {
        ClientMessage m = new ClientMessageImpl(ClientMessage.BYTES_TYPE, durable, 0, message.timestampMillis(), PRIORITY,
                INITIAL_BUFFER);
        m.putStringProperty(ID, message.id());
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

    /**
     * The Polybus message in {@code m}, read from topic {@code topic}. A message another client sent reads too:
     * its id is then Artemis's message id, its headers its string properties.
     */
    static Message toMessage(String topic, ClientMessage m) {
        byte[] payload = new byte[m.getBodySize()];
        m.getBodyBuffer().readBytes(payload);
        Message.Builder b = Message.builder(topic).unsafePayload(payload).timestampMillis(m.getTimestamp());
        for (SimpleString name : m.getPropertyNames()) {
            if (name.equals(ID) || name.equals(ATTEMPT) || name.startsWith(ARTEMIS_PREFIX)) {
                continue;
            }
            if (m.getObjectProperty(name) instanceof SimpleString value) {
                b.header(name.toString(), value.toString());
            }
        }
        SimpleString group = m.getGroupID();
        if (group != null) {
            b.unsafeKey(keyBytes(group.toString()));
        }
        Object id = m.getObjectProperty(ID);
        b.id(id instanceof SimpleString s ? s.toString() : "artemis-" + m.getMessageID());
        return b.build();
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
     * The attempt number of a delivery: the attempt a requeued copy carries (1 for an original) plus the
     * deliveries Artemis counted before this one (a consumer that closed, crashed or lost its connection
     * without settling it).
     */
    static int attempt(ClientMessage m) {
        Object carried = m.getObjectProperty(ATTEMPT);
        long base = carried instanceof Integer n ? Math.max(1, n) : 1;
        return (int) Math.min(Integer.MAX_VALUE, base + Math.max(0, m.getDeliveryCount() - 1));
    }
}
