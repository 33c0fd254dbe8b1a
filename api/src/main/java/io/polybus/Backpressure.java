package io.polybus;

/** What {@code send} does when the producer's in-flight bound is reached. */
public enum Backpressure {
    /** Wait for room, up to {@link ProducerOptions#blockTimeout()}, then fail with {@link BufferFullException}. */
    BLOCK,
    /** Fail at once with {@link BufferFullException}. */
    FAIL
}
