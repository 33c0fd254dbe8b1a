package io.polybus.rocketmq.internal;

import io.polybus.Receipt;

/** What RocketMQ said to a send: it stored the message in {@code queue} at {@code offset}. */
record RocketMqReceipt(String topic, String messageId, String brokerName, int queueId, long offset) implements Receipt {
    @Override
    public String position() {
        return brokerName + "/" + queueId + "@" + offset;
    }
}
