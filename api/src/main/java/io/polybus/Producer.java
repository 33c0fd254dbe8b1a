package io.polybus;

import java.util.concurrent.CompletableFuture;

/**
 * Sends messages to one broker. Thread-safe: share one producer between threads.
 *
 * <p>Promises (see CONTRACT.md 1, 7 and 8): a returned future completes normally only once the broker has
 * the message under the configured durability, and exceptionally with a {@link PolybusException} otherwise;
 * at most {@link ProducerOptions#maxInFlightBytes()} are held in flight, past which {@code send} applies the
 * configured {@link Backpressure}; {@link #close()} completes every future it returned.
 */
public interface Producer extends AutoCloseable {

    /**
     * Sends {@code message} asynchronously.
     *
     * @return completes with the broker's receipt, or exceptionally: {@link MessageTooLargeException},
     *         {@link BufferFullException}, {@link BrokerUnavailableException}, {@link ClosedException}, ...
     */
    CompletableFuture<Receipt> send(Message message);

    /**
     * Waits until every send issued before this call has completed (normally or not).
     *
     * @throws PolybusTimeoutException when that takes longer than {@link ProducerOptions#closeTimeout()}
     */
    void flush();

    /**
     * Waits (at most {@link ProducerOptions#closeTimeout()}) for in-flight sends, completes any still pending
     * exceptionally, and releases the producer. Idempotent and safe from any thread.
     */
    @Override
    void close();
}
