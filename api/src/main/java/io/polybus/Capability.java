package io.polybus;

/**
 * What a broker can promise. Providers declare theirs; options may {@code require} some, and asking for
 * one the broker lacks fails at open with an {@link UnsupportedCapabilityException}. Nothing is faked.
 */
public enum Capability {
    /** Two groups on one topic each receive every message. */
    FANOUT,
    /** Accepted messages survive a broker restart. */
    DURABLE,
    /** A new group can start from the earliest retained message ({@link StartPosition#EARLIEST}). */
    REPLAY,
    /** Messages with one key reach a group in the order they were sent. */
    ORDERED_BY_KEY,
    /** Rejected and exhausted messages go to a dead-letter topic. */
    DEAD_LETTER,
    /** The consumers of one group share its messages and scale out. */
    PARTITIONED,
    /** A delivery not acknowledged is delivered again. */
    AT_LEAST_ONCE,
    /**
     * A delivery can be requeued with a delay ({@link Acknowledgement#requeue(String, java.time.Duration)},
     * {@link ConsumerOptions#retryBackoff()}): it is not delivered again before the delay, while other messages
     * keep flowing.
     */
    DELAYED_REQUEUE
}
