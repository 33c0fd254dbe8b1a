package io.polybus.rocketmq.internal;

import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;

import java.time.Duration;

/**
 * Settles one RocketMQ delivery; the shared rules (first outcome wins, max deliveries, dead letter or drop) come
 * from {@link AbstractAcknowledgement}, the broker operations from the consumer.
 */
final class RocketMqAcknowledgement extends AbstractAcknowledgement {
    final RocketMqConsumer.Batch batch;
    /** The position of the message in its batch. */
    final int index;
    final Message message;
    private final RocketMqConsumer consumer;

    RocketMqAcknowledgement(RocketMqConsumer consumer, RocketMqConsumer.Batch batch, int index, Message message,
                            int attempt) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.batch = batch;
        this.index = index;
        this.message = message;
    }

    int attempt() {
        return attempt;
    }

    @Override
    protected void onAck() {
        consumer.ack(this);
    }

    @Override
    protected void onRequeue(String reason) {
        consumer.requeue(this);
    }

    @Override
    protected void onRequeue(String reason, Duration delay) {
        consumer.requeue(this, delay);
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        consumer.deadLetter(this, deadLetterTopic, reason);
    }
}
