package io.polybus.artemis.internal;

import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;
import org.apache.activemq.artemis.api.core.client.ClientMessage;

import java.time.Duration;

/**
 * Settles one Artemis delivery; the shared rules (first outcome wins, max deliveries, dead letter or drop) come
 * from {@link AbstractAcknowledgement}, the broker operations from the consumer.
 */
final class ArtemisAcknowledgement extends AbstractAcknowledgement {
    final ArtemisConsumer.Receiving receiving;
    final ClientMessage delivered;
    final Message message;
    private final ArtemisConsumer consumer;
    /** Settled for the broker: it may be acked; guarded by the receiving connection's ack lock. */
    boolean acked;
    /** Its prefetch slot is free again; guarded by the receiving connection's ack lock. */
    boolean freed;
    /** The delivery Artemis made after this one on the same connection; set once, by the session thread. */
    volatile ArtemisAcknowledgement next;

    ArtemisAcknowledgement(ArtemisConsumer consumer, ArtemisConsumer.Receiving receiving, ClientMessage delivered,
                           Message message, int attempt) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.receiving = receiving;
        this.delivered = delivered;
        this.message = message;
    }

    /** The start of a connection's chain of deliveries: stands for "nothing delivered yet", acked and freed. */
    static ArtemisAcknowledgement placeholder(ArtemisConsumer consumer, ArtemisConsumer.Receiving receiving) {
        ArtemisAcknowledgement start = new ArtemisAcknowledgement(consumer, receiving, null, null, 0);
        start.acked = true;
        start.freed = true;
        return start;
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
