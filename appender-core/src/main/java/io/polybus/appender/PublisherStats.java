package io.polybus.appender;

/**
 * What an {@link EventPublisher} did since it started: a snapshot. Every event handed to it ends in exactly one of
 * delivered, dropped (by cause), rejected, or is still queued or spooled.
 *
 * @param published        events handed to {@link EventPublisher#publish}
 * @param delivered        events the broker acknowledged
 * @param spilled          events written to the spool (the queue was full, or the spool was being delivered)
 * @param droppedOldest    queued events dropped to make room ({@link OverflowPolicy#DROP_OLDEST})
 * @param droppedNewest    events dropped because the queue was full ({@link OverflowPolicy#DROP_NEWEST})
 * @param droppedBlocked   events dropped after waiting the block timeout ({@link OverflowPolicy#BLOCK})
 * @param droppedSpoolFull events dropped because the spool had reached its size bound
 * @param rejected         events the broker refused for good (larger than it takes)
 * @param excluded         events kept out by the recursion guard or the excluded loggers
 * @param retries          failed send or connection attempts that were retried
 * @param queued           events in the memory queue now
 * @param spoolBytes       bytes in the spool now
 * @param connected        whether the broker is open and its last send succeeded
 */
public record PublisherStats(long published, long delivered, long spilled, long droppedOldest, long droppedNewest,
                             long droppedBlocked, long droppedSpoolFull, long rejected, long excluded, long retries,
                             long queued, long spoolBytes, boolean connected) {

    /** Every dropped event, whatever the cause. */
    public long dropped() {
        return droppedOldest + droppedNewest + droppedBlocked + droppedSpoolFull;
    }
}
