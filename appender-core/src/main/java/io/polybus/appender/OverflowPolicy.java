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
    DROP_NEWEST;

    /**
     * The policy named by {@code name}, as written in an appender's configuration: {@code spill}, {@code block},
     * {@code drop-oldest} or {@code drop-newest} (case and {@code -}/{@code _} do not matter).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static OverflowPolicy parse(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (OverflowPolicy p : values()) {
            if (p.name().equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("overflow '" + name + "' is not one of spill, block, drop-oldest, drop-newest");
    }
}
