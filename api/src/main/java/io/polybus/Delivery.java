package io.polybus;

import java.time.Duration;

/**
 * One handing of a message to a consumer.
 *
 * @param message         the message, as sent
 * @param attempt         1 on first delivery, then 1 more on each redelivery
 * @param acknowledgement settles this delivery; the convenience methods below delegate to it
 */
public record Delivery(Message message, int attempt, Acknowledgement acknowledgement) {

    public void ack() {
        acknowledgement.ack();
    }

    public void requeue(String reason) {
        acknowledgement.requeue(reason);
    }

    /** See {@link Acknowledgement#requeue(String, Duration)}. */
    public void requeue(String reason, Duration delay) {
        acknowledgement.requeue(reason, delay);
    }

    public void reject(String reason) {
        acknowledgement.reject(reason);
    }

    /** Whether this is a redelivery. */
    public boolean isRedelivery() {
        return attempt > 1;
    }
}
