package io.polybus.agent.internal;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where one input (a file) is acknowledged up to. Records are grouped in batches in reading order; a batch is
 * done when the broker acknowledged every event made from its records, and the acknowledged offset advances
 * over done batches only in order, so it never passes an event still in flight.
 *
 * <p>{@link #record} and {@link #seal} run on the reader's thread; batches complete on any thread.
 */
public final class OffsetTracker {
    private final ArrayDeque<Batch> batches = new ArrayDeque<>();
    private final int batchEvents;
    private volatile long acked;
    private Batch open;

    OffsetTracker(long startOffset, int batchEvents) {
        this.acked = startOffset;
        this.batchEvents = batchEvents;
    }

    /** The batch the next record belongs to (opened when needed). Reader thread only. */
    Batch current() {
        Batch b = open;
        if (b == null) {
            b = new Batch(this);
            synchronized (this) {
                batches.add(b);
            }
            open = b;
        }
        return b;
    }

    /** Notes that a record ending at {@code endOffset} was read (its events, if any, were held on the batch). */
    void record(Batch batch, long endOffset) {
        batch.endOffset = endOffset;
        if (++batch.records >= batchEvents) {
            seal();
        }
    }

    /** Closes the open batch: it completes as soon as its events are acknowledged. Reader thread only. */
    void seal() {
        Batch b = open;
        if (b != null) {
            open = null;
            b.release();
        }
    }

    /** The offset up to which every record was acknowledged (or needed no delivery). */
    public long ackedOffset() {
        return acked;
    }

    /** True when no batch is waiting for the broker. */
    public synchronized boolean idle() {
        return batches.isEmpty();
    }

    private synchronized void completed() {
        Batch head;
        while ((head = batches.peek()) != null && head.done) {
            acked = head.endOffset;
            batches.poll();
        }
    }

    /** Records read together; done when its pending count (events in flight plus the open guard) is zero. */
    static final class Batch {
        private final OffsetTracker tracker;
        private final AtomicInteger pending = new AtomicInteger(1);
        private long endOffset;
        private int records;
        private volatile boolean done;

        private Batch(OffsetTracker tracker) {
            this.tracker = tracker;
            this.endOffset = tracker.acked;
        }

        /** One more event of this batch is in flight. */
        void hold() {
            pending.incrementAndGet();
        }

        /** One event of this batch was acknowledged (or settled for good). */
        void release() {
            if (pending.decrementAndGet() == 0) {
                done = true;
                tracker.completed();
            }
        }
    }
}
