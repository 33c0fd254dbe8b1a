package io.polybus;

import io.polybus.spi.BatchCompletion;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends messages to one broker. Thread-safe: share one producer between threads.
 *
 * <p>Promises (see CONTRACT.md 1, 7 and 8): a returned future completes normally only once the broker has
 * the message under the configured durability, and exceptionally with a {@link PolybusException} otherwise;
 * at most {@link ProducerOptions#maxInFlightBytes()} are held in flight, past which {@code send} applies the
 * configured {@link Backpressure}; {@link #close()} completes every future it returned.
 *
 * <p>The futures complete on the producer's own threads (its client's I/O or callback threads, often few). An action
 * chained to one must not wait there, and must not send again there when the backpressure is
 * {@link Backpressure#BLOCK}: the room it waits for is freed only by completions, which those threads run. Hand
 * such work to an executor of your own (e.g. {@code whenCompleteAsync(action, executor)}).
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
     * Sends {@code messages} asynchronously, in order, with one future for them all: for a caller that needs to know
     * only when a whole batch is stored (a shipper moving a checkpoint), a batch then costs one future instead of
     * one per message. Each message is sent as {@link #send} sends it, under the same bound and backpressure.
     *
     * @return completes once every message's send has settled: normally when the broker has all of them, else
     *         exceptionally with the first failure (as {@link #send}'s), in which case any of them may have been
     *         stored, so a caller that retries sends them again (at least once)
     */
    default CompletableFuture<Void> sendAll(List<Message> messages) {
        BatchCompletion all = new BatchCompletion(messages.size());
        for (Message message : messages) {
            send(message).whenComplete((receipt, error) -> {
                if (error == null) {
                    all.succeeded();
                } else {
                    all.failed(error, 1);
                }
            });
        }
        return all;
    }

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
