package io.polybus;

import java.time.Duration;

/**
 * How a consumer settles one delivery. The first call decides; every later call on the same delivery is a
 * no-op (never an exception, never a broken connection). Safe to call from any thread, also after the
 * handler returned.
 */
public interface Acknowledgement {

    /** Done: the broker may forget the message for this group. */
    void ack();

    /**
     * Deliver again later with attempt + 1, after the delay the group's {@link ConsumerOptions#retryBackoff()}
     * gives for this attempt (at once by default). When the attempt was the group's last
     * ({@link ConsumerOptions#maxDeliveries()}), the message is dead-lettered instead.
     *
     * @param reason why, kept as the last error should the message end up dead-lettered
     */
    void requeue(String reason);

    /**
     * Deliver again with attempt + 1, not before {@code delay} has passed; other messages keep flowing meanwhile.
     * A delay of zero is {@link #requeue(String)} without back-off: at once. When the attempt was the group's last
     * ({@link ConsumerOptions#maxDeliveries()}), the message is dead-lettered instead, at once.
     *
     * @param reason why, kept as the last error should the message end up dead-lettered
     * @param delay  how long the message waits at least; not negative
     * @throws UnsupportedCapabilityException when {@code delay} is positive and the broker lacks
     *                                        {@link Capability#DELAYED_REQUEUE}; the delivery stays unsettled, so
     *                                        the caller can still settle it otherwise
     * @throws IllegalArgumentException       when {@code delay} is negative
     */
    void requeue(String reason, Duration delay);

    /** Give up: send the message to the group's dead-letter topic, or drop and count it if there is none. */
    void reject(String reason);

    default void requeue() {
        requeue("requeued by consumer");
    }

    default void reject() {
        reject("rejected by consumer");
    }
}
