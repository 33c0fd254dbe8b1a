package io.polybus.spi;

import io.polybus.Backpressure;
import io.polybus.BufferFullException;
import io.polybus.ClosedException;
import io.polybus.PolybusException;
import io.polybus.ProducerOptions;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounds the bytes a producer holds in flight (CONTRACT 7) and applies its {@link Backpressure}.
 * {@link #acquire} before handing a message to the broker, {@link #release} when the broker answered.
 * A message larger than the whole bound still goes through when nothing else is in flight, so it can
 * never block forever. Thread-safe.
 *
 * <p>Senders and the broker client's callback thread each count on their own cache line (bytes acquired,
 * bytes released), so a send does not pull the line the callback thread just wrote: a sender reads the released
 * count only when its last reading leaves no room. A full limiter wakes its waiting senders once an eighth of
 * the bound is free again (or nothing is in flight), and only once per wait, not on every release: a sender
 * that outruns its broker then sends in bursts, instead of being woken (and a lock taken) for every single
 * acknowledgement.
 */
public final class InFlightLimiter {
    private final long maxBytes;
    private final Backpressure backpressure;
    private final long blockNanos;
    private final long resumeBelow;
    private final Counter acquired = new Counter();
    private final Counter released = new Counter();
    /** A lower bound of {@link #released} as last read by a sender. */
    private volatile long releasedSeen;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile int waiters;
    /** Set by the release that wakes the waiters, cleared by a waiter before it looks for room again. */
    private volatile boolean wakeupSent;
    private volatile boolean closed;

    /** An atomic counter padded to a cache line of its own. */
    @SuppressWarnings("unused")
    private static final class Counter extends AtomicLong {
        private long p1;
        private long p2;
        private long p3;
        private long p4;
        private long p5;
        private long p6;
        private long p7;
    }

    public InFlightLimiter(ProducerOptions options) {
        this(options.maxInFlightBytes(), options.backpressure(), options.blockTimeout());
    }

    public InFlightLimiter(long maxBytes, Backpressure backpressure, Duration blockTimeout) {
        this.maxBytes = maxBytes;
        this.backpressure = backpressure;
        this.blockNanos = blockTimeout.toNanos();
        this.resumeBelow = maxBytes - maxBytes / 8;
    }

    /**
     * Reserves {@code bytes}, waiting or failing as configured.
     *
     * @throws BufferFullException when there is no room in time (or at once with {@link Backpressure#FAIL})
     * @throws ClosedException     when the limiter was closed while waiting
     */
    public void acquire(long bytes) {
        if (tryAcquire(bytes)) {
            return;
        }
        if (backpressure == Backpressure.FAIL) {
            throw full(bytes);
        }
        long deadline = System.nanoTime() + blockNanos;
        lock.lock();
        waiters++;
        try {
            while (true) {
                wakeupSent = false;
                if (tryAcquire(bytes)) {
                    return;
                }
                if (closed) {
                    throw new ClosedException("producer closed while waiting for room to send");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw full(bytes);
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolybusException("interrupted while waiting for room to send", e);
        } finally {
            waiters--;
            lock.unlock();
        }
    }

    private boolean tryAcquire(long bytes) {
        while (true) {
            long a = acquired.get();
            long seen = releasedSeen;
            if (!fits(a - seen, bytes)) {
                long r = released.get();
                if (r == seen || !fits(a - r, bytes)) {
                    return false;
                }
                releasedSeen = r;
            }
            if (acquired.compareAndSet(a, a + bytes)) {
                return true;
            }
        }
    }

    private boolean fits(long inFlight, long bytes) {
        return inFlight <= 0 || inFlight + bytes <= maxBytes;
    }

    private BufferFullException full(long bytes) {
        return new BufferFullException("producer has " + inFlightBytes() + " bytes in flight, its limit is " + maxBytes
                + " (max-in-flight-bytes); a message of " + bytes + " bytes does not fit");
    }

    /** Returns {@code bytes} reserved by {@link #acquire}. */
    public void release(long bytes) {
        long r = released.addAndGet(bytes);
        if (waiters > 0 && !wakeupSent && acquired.get() - r <= resumeBelow) {
            wakeupSent = true;
            signal();
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long inFlightBytes() {
        long r = released.get();
        return acquired.get() - r;
    }

    /** Waits until nothing is in flight. Returns false when {@code timeout} passed first. */
    public boolean awaitEmpty(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        waiters++;
        try {
            while (true) {
                wakeupSent = false;
                if (inFlightBytes() <= 0) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiters--;
            lock.unlock();
        }
    }

    /** Wakes every waiting {@link #acquire} with a {@link ClosedException}. */
    public void close() {
        closed = true;
        signal();
    }
}
