package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;

import java.time.Duration;

/**
 * Settles one RabbitMQ delivery; the shared rules (first outcome wins, max deliveries, dead letter or drop)
 * come from {@link AbstractAcknowledgement}, the broker operations from the consumer.
 */
final class RabbitAcknowledgement extends AbstractAcknowledgement {
    final long deliveryTag;
    final Message message;
    final AMQP.BasicProperties properties;
    final byte[] body;
    private final RabbitConsumer consumer;

    RabbitAcknowledgement(RabbitConsumer consumer, long deliveryTag, int attempt, Message message,
                          AMQP.BasicProperties properties, byte[] body) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.deliveryTag = deliveryTag;
        this.message = message;
        this.properties = properties;
        this.body = body;
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
