package io.polybus.bench.internal;

import java.util.List;
import java.util.Map;

/**
 * One way of moving the benchmark's messages through one broker: Polybus or the broker's raw client.
 * {@link #subscribe} and {@link #publisher} are called from the benchmark's setup thread; each
 * {@link Publisher} is then used by one producer thread only.
 */
public interface Driver extends AutoCloseable {

    /** Creates what the run's topics need ({@code partitions} each, where the broker has partitions). */
    void createTopics(List<String> topics, int partitions) throws Exception;

    /**
     * Subscribes one consumer of {@code group} to {@code topic}. When this returns, the group exists: it gets
     * every message published from then on. {@code sink} is called from the consumer's threads.
     */
    AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) throws Exception;

    /** A new producer for {@code topic}. */
    Publisher publisher(String topic) throws Exception;

    /** Deletes what the run created, as far as the client can. */
    void deleteTopics(List<String> topics, List<String> groups);

    /** The effective durability settings and the broker's and client's versions, for the report. */
    Map<String, String> provenance();

    /** Closes every connection. */
    @Override
    void close();

    /** Sends messages for one producer thread. */
    interface Publisher extends AutoCloseable {

        /** Sends one message; {@code done} runs once the broker acknowledged it or it failed. */
        void send(byte[] key, byte[] payload, SendCallback done) throws Exception;

        /** Called when the producer is ahead of its schedule and about to wait: push out anything batched. */
        default void idle() throws Exception {
        }

        /** Waits until every message sent so far is acknowledged or failed. */
        void flush() throws Exception;

        @Override
        void close();
    }

    /** The broker's answer to one send. */
    @FunctionalInterface
    interface SendCallback {
        /** @param error null when the broker acknowledged the message */
        void done(Throwable error);
    }

    /** Receives the payloads a consumer got; it acknowledges them after this returns. */
    @FunctionalInterface
    interface Sink {
        void receive(byte[] payload);
    }
}
