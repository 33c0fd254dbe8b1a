package io.polybus.kafka.internal;

import io.polybus.Receipt;

/**
 * A receipt for a record at {@code partition} and {@code offset}. It is made on Kafka's I/O thread for every
 * acknowledged send, so it only keeps the numbers and formats them when asked. A null message id stands for
 * the broker's id, {@code <topic>-<partition>@<offset>} (the message was given no id).
 */
final class KafkaReceipt implements Receipt {
    private final String topic;
    private final String messageId;
    private final int partition;
    private final long offset;

    KafkaReceipt(String topic, String messageId, int partition, long offset) {
        this.topic = topic;
        this.messageId = messageId;
        this.partition = partition;
        this.offset = offset;
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public String messageId() {
        return messageId != null ? messageId : Records.brokerId(topic, position());
    }

    @Override
    public String position() {
        return Records.position(partition, offset);
    }

    @Override
    public String toString() {
        return Receipt.of(topic, messageId(), position()).toString();
    }
}
