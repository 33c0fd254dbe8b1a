package io.polybus.memory.internal;

import io.polybus.DeadLetter;
import io.polybus.spi.AbstractAcknowledgement;

import java.time.Duration;
import java.util.Map;

/** Settles one memory delivery: frees its bytes and prefetch slot, requeues or dead-letters it. */
final class MemoryAcknowledgement extends AbstractAcknowledgement {
    final Entry entry;
    private final MemoryConsumer consumer;

    MemoryAcknowledgement(Entry entry, MemoryConsumer consumer) {
        super(entry.attempt(), consumer.options, consumer.counters);
        this.entry = entry;
        this.consumer = consumer;
    }

    @Override
    protected void onAck() {
        consumer.group.settled(entry.size());
        consumer.permits.release();
    }

    @Override
    protected void onRequeue(String reason) {
        consumer.group.requeue(entry.next());
        consumer.permits.release();
    }

    @Override
    protected void onRequeue(String reason, Duration delay) {
        consumer.group.requeueAfter(entry.next(), delay.toNanos());
        consumer.permits.release();
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        consumer.engine.topic(deadLetterTopic).publishUnbounded(
                DeadLetter.of(entry.message(), deadLetterTopic, consumer.group.name, entry.attempt(), reason, Map.of()));
        onAck();
    }
}
