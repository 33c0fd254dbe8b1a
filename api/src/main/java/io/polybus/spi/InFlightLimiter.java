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
 * never block forever. Thread-safe; the uncontended path is a single atomic update.
 *
 * <p>A full limiter wakes its waiting senders only once an eighth of the bound is free again (or nothing is in
 * flight), not on every release: a sender that outruns its broker then sends in bursts, instead of being woken
 * (and a lock taken) for every single acknowledgement.
 */
public final class InFlightLimiter {
    private final long maxBytes;
    private final Backpressure backpressure;
    private final long blockNanos;
    private final long resumeBelow;
    private final AtomicLong inFlight = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile int waiters;
    private volatile boolean closed;

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
            while (!tryAcquire(bytes)) {
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
            long current = inFlight.get();
            if (current > 0 && current + bytes > maxBytes) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    private BufferFullException full(long bytes) {
        return new BufferFullException("producer has " + inFlight.get() + " bytes in flight, its limit is " + maxBytes
                + " (max-in-flight-bytes); a message of " + bytes + " bytes does not fit");
    }

    /** Returns {@code bytes} reserved by {@link #acquire}. */
    public void release(long bytes) {
        long left = inFlight.addAndGet(-bytes);
        if (waiters > 0 && left <= resumeBelow) {
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
        return inFlight.get();
    }

    /** Waits until nothing is in flight. Returns false when {@code timeout} passed first. */
    public boolean awaitEmpty(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        waiters++;
        try {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
            }
            return true;
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
