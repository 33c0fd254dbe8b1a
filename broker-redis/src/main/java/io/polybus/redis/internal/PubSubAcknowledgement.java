package io.polybus.redis.internal;

import io.polybus.DeadLetter;
import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

import static io.polybus.redis.internal.StreamFields.bytes;

/**
 * Settles one pub/sub delivery. Redis keeps nothing to settle: ACK frees the prefetch slot, REQUEUE hands the
 * message to the handler again in this process (lost if the consumer closes first), and a dead letter is
 * published on the dead-letter channel, where only current subscribers see it.
 */
final class PubSubAcknowledgement extends AbstractAcknowledgement {
    private static final Logger log = LoggerFactory.getLogger(PubSubAcknowledgement.class);

    final long slot;
    private final PubSubConsumer consumer;
    private final Message message;

    PubSubAcknowledgement(PubSubConsumer consumer, Message message, int attempt, long slot) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.message = message;
        this.slot = slot;
    }

    @Override
    protected void onAck() {
        consumer.settled(this, true);
    }

    @Override
    protected void onRequeue(String reason) {
        consumer.settled(this, false);
        consumer.offer(message, attempt + 1);
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        consumer.settled(this, true);
        Message letter = DeadLetter.of(message, deadLetterTopic, consumer.options.group(), attempt, reason, Map.of());
        try {
            consumer.connections.withPooled("publish a dead letter", jedis ->
                    jedis.publish(bytes(consumer.settings.key(deadLetterTopic)), Blob.encode(letter, 0)));
        } catch (RuntimeException e) {
            log.warn("could not publish dead letter {} to '{}': {}", message.id(), deadLetterTopic, e.getMessage());
        }
    }
}
