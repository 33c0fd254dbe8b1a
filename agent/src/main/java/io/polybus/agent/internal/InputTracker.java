package io.polybus.agent.internal;

import io.polybus.agent.InputProgress;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's {@link InputProgress}. Records are grouped in batches in reading order; a batch is done when the
 * broker acknowledged every event made from its records, and the acknowledged offset advances over done batches
 * only in order, so it never passes an event still in flight.
 *
 * <p>{@link #record} and {@link #seal} run on the reader's thread; batches complete on any thread.
 */
public final class InputTracker implements InputProgress {
    private final ArrayDeque<Batch> batches = new ArrayDeque<>();
    private final int batchEvents;
    private volatile long acked;
    private Batch open;

    public InputTracker(long startOffset, int batchEvents) {
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
    @Override
    public void seal() {
        Batch b = open;
        if (b != null) {
            open = null;
            b.release();
        }
    }

    @Override
    public void skipTo(long endOffset) {
        record(current(), endOffset);
    }

    @Override
    public long ackedOffset() {
        return acked;
    }

    @Override
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

    /**
     * Something in flight that is done when every hold on it was released; it starts with one hold, the open
     * guard, released when nothing more joins it.
     */
    abstract static class Hold {
        private final AtomicInteger pending = new AtomicInteger(1);

        /** One more message of this is in flight. */
        void hold() {
            pending.incrementAndGet();
        }

        /** One message of this was acknowledged (or settled for good). */
        void release() {
            if (pending.decrementAndGet() == 0) {
                done();
            }
        }

        abstract void done();
    }

    /** Records read together; done when its events in flight are acknowledged and it was sealed. */
    static final class Batch extends Hold {
        private final InputTracker tracker;
        private long endOffset;
        private int records;
        private volatile boolean done;

        private Batch(InputTracker tracker) {
            this.tracker = tracker;
            this.endOffset = tracker.acked;
        }

        @Override
        void done() {
            done = true;
            tracker.completed();
        }
    }

    /**
     * Events of several batches sent as one message (a pack): holds each of their batches once, and releases
     * them when the message is acknowledged, so no checkpoint passes an event of an unacknowledged pack.
     */
    static final class Group extends Hold {
        private final List<Batch> batches = new ArrayList<>(2);

        /** An event of {@code batch} joins the group (reader thread, before the group is sent). */
        void add(Batch batch) {
            if (batches.isEmpty() || batches.get(batches.size() - 1) != batch) {
                batch.hold();
                batches.add(batch);
            }
        }

        @Override
        void done() {
            batches.forEach(Batch::release);
        }
    }
}
