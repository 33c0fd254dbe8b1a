package io.polybus;

import io.polybus.internal.BatchingConsumer;

import java.util.Set;

/**
 * An open connection to one broker, made by {@link Brokers#open}. Creates producers and consumers; closing
 * it closes every producer and consumer it made. Thread-safe.
 */
public interface Broker extends AutoCloseable {

    /** The provider type, e.g. {@code kafka}. */
    String type();

    /** What this broker, as configured, can promise. */
    Set<Capability> capabilities();

    /** The largest message (key + payload + headers) the broker accepts, in bytes. */
    long maxMessageBytes();

    /**
     * Creates a producer.
     *
     * @throws UnsupportedCapabilityException when the options require a capability this broker lacks
     */
    Producer producer(ProducerOptions options);

    default Producer producer() {
        return producer(ProducerOptions.defaults());
    }

    /**
     * Subscribes {@code options.group()} to {@code options.topic()}, creating the group (and topic) when
     * needed. When this returns, the group exists: it receives every message published from then on.
     *
     * @throws UnsupportedCapabilityException when the options require a capability this broker lacks
     */
    Consumer subscribe(ConsumerOptions options, DeliveryHandler handler);

    /**
     * Like {@link #subscribe(ConsumerOptions, DeliveryHandler)}, but hands deliveries to {@code handler} in
     * batches (see {@link BatchHandler} for how they are formed and settled). Every broker keeps it: the
     * batches are formed over the broker's per-delivery path, so each promise of a delivery still holds.
     *
     * @throws IllegalArgumentException       when {@code batch.maxSize()} exceeds {@code options.prefetch()}
     * @throws UnsupportedCapabilityException when the options require a capability this broker lacks
     */
    default Consumer subscribe(ConsumerOptions options, BatchOptions batch, BatchHandler handler) {
        return BatchingConsumer.start(options, batch, handler, this::subscribe);
    }

    /** Closes every producer and consumer made by this broker, then the connection. Idempotent. */
    @Override
    void close();
}
