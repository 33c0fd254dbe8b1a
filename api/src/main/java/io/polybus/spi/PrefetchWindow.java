package io.polybus.spi;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The deliveries a consumer may hold unsettled, its prefetch (CONTRACT 7). The dispatcher reserves room before
 * it takes messages from the broker and returns what it did not use; settling a delivery frees its slot.
 * Thread-safe: slots are reserved on the dispatcher and freed from any thread.
 */
public final class PrefetchWindow {
    private final Semaphore slots;
    private final long waitMillis;

    /**
     * @param prefetch how many deliveries may be unsettled at once
     * @param wait     how long {@link #reserve} waits for a slot before returning 0, so that a dispatcher
     *                 notices in time that it should stop
     */
    public PrefetchWindow(int prefetch, Duration wait) {
        this.slots = new Semaphore(prefetch);
        this.waitMillis = wait.toMillis();
    }

    /**
     * Takes every free slot up to {@code max}, waiting (a little) for one when none is free.
     *
     * @return the slots taken; 0 when none came free in time
     */
    public int reserve(int max) throws InterruptedException {
        if (max == 1 && slots.tryAcquire()) {
            // One compare-and-set, where draining and handing back the rest took two and woke the queue.
            return 1;
        }
        int got = slots.drainPermits();
        if (got == 0) {
            if (!slots.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                return 0;
            }
            got = 1 + slots.drainPermits();
        }
        if (got > max) {
            slots.release(got - max);
            got = max;
        }
        return got;
    }

    /** Returns {@code n} slots: reserved but not used, or freed by settled deliveries. */
    public void release(int n) {
        slots.release(n);
    }

    /** A delivery was settled: its slot is free. */
    public void release() {
        slots.release();
    }
}
