package io.polybus;

/**
 * A running subscription of one group to one topic, created by {@link Broker#subscribe}. Deliveries flow to
 * its handler from the moment it is returned until it is closed.
 */
public interface Consumer extends AutoCloseable {

    String topic();

    String group();

    /**
     * Stops new deliveries, lets running handlers finish (at most {@link ConsumerOptions#closeTimeout()}) and
     * leaves every delivery not yet settled for redelivery to the group. Idempotent and safe from any thread.
     */
    @Override
    void close();
}
