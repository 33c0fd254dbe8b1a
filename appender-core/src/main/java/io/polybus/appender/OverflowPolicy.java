package io.polybus.appender;

/**
 * What a log call does when the appender's in-memory queue is full (the broker is slow or away). Each choice is
 * counted in {@link PublisherStats}.
 */
public enum OverflowPolicy {
    /**
     * The default: the event goes to the spool directory on disk, and so do the events after it until the spool is
     * delivered, which keeps their order. Nothing is lost unless the spool reaches its size bound.
     */
    SPILL,
    /** Wait for room up to the block timeout, then drop the event (counted). */
    BLOCK,
    /** Drop the oldest queued event to make room (counted). */
    DROP_OLDEST,
    /** Drop the event being logged (counted). */
    DROP_NEWEST
}
