package io.polybus.zeromq.internal;

import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;

/**
 * Settles one ZeroMQ delivery. Nothing is kept anywhere to settle: ACK frees the prefetch slot, REQUEUE hands the
 * message to the handler again in this process (lost if the consumer closes first), and a dead letter is published,
 * best effort, to the dead-letter topic's current subscribers.
 */
final class ZmqAcknowledgement extends AbstractAcknowledgement {
    final Message message;
    private final ZmqConsumer consumer;

    ZmqAcknowledgement(ZmqConsumer consumer, Message message, int attempt) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.message = message;
    }

    @Override
    protected void onAck() {
        consumer.settled(this);
    }

    @Override
    protected void onRequeue(String reason) {
        consumer.settled(this);
        consumer.again(message, attempt + 1);
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        consumer.settled(this);
        consumer.deadLetter(message, deadLetterTopic, attempt, reason);
    }
}
