package io.polybus;

/**
 * Receives deliveries. Called by the consumer's worker threads; with concurrency above one, calls run in
 * parallel, but never two at once for the same key. What happens when it returns or throws depends on the
 * consumer's {@link AckMode}.
 */
@FunctionalInterface
public interface DeliveryHandler {
    void handle(Delivery delivery) throws Exception;
}
