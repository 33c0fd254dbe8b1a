package io.polybus.nats.internal;

import io.polybus.Receipt;

/**
 * The stream's acknowledgement of one message; the texts are built only when asked for.
 *
 * @param id the id given to the message, or null without one: the id is then {@code <topic>@<sequence>}, as
 *           consumers see it
 */
record NatsReceipt(String topic, String id, String stream, long sequence) implements Receipt {

    /** The id consumers see for a message that carries none. */
    static String brokerId(String topic, long sequence) {
        return topic + "@" + sequence;
    }

    @Override
    public String messageId() {
        return id != null ? id : brokerId(topic, sequence);
    }

    @Override
    public String position() {
        return stream + "@" + sequence;
    }

    @Override
    public String toString() {
        return "Receipt[topic=" + topic + ", messageId=" + messageId() + ", position=" + position() + "]";
    }
}
