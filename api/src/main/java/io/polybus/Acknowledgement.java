package io.polybus;

/**
 * How a consumer settles one delivery. The first call decides; every later call on the same delivery is a
 * no-op (never an exception, never a broken connection). Safe to call from any thread, also after the
 * handler returned.
 */
public interface Acknowledgement {

    /** Done: the broker may forget the message for this group. */
    void ack();

    /**
     * Deliver again later with attempt + 1. When the attempt was the group's last
     * ({@link ConsumerOptions#maxDeliveries()}), the message is dead-lettered instead.
     *
     * @param reason why, kept as the last error should the message end up dead-lettered
     */
    void requeue(String reason);

    /** Give up: send the message to the group's dead-letter topic, or drop and count it if there is none. */
    void reject(String reason);

    default void requeue() {
        requeue("requeued by consumer");
    }

    default void reject() {
        reject("rejected by consumer");
    }
}
