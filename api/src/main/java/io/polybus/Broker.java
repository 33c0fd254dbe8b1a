package io.polybus;

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

    /** Closes every producer and consumer made by this broker, then the connection. Idempotent. */
    @Override
    void close();
}
