package io.polybus.monitor.internal;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Counts events in a time window with fixed memory: the window is cut into {@code steps} buckets and the
 * count is the sum of the buckets that overlap the window ending now. Sliding windows use 60 steps (precise
 * to 1/60 of the window); a tumbling window is one bucket aligned on multiples of its length. Not thread-safe.
 */
public final class WindowCounter implements Serializable {
    private static final long serialVersionUID = 1;
    private final long bucketMillis;
    private final long[] counts;
    private final long[] bucketOf;

    public WindowCounter(long windowMillis, int steps) {
        this.bucketMillis = Math.max(1, windowMillis / steps);
        this.counts = new long[steps];
        this.bucketOf = new long[steps];
        Arrays.fill(bucketOf, Long.MIN_VALUE);
    }

    public void add(long nowMillis) {
        long bucket = Math.floorDiv(nowMillis, bucketMillis);
        int slot = (int) Math.floorMod(bucket, counts.length);
        if (bucketOf[slot] > bucket) {
            return; // older than the window: its slot holds a later step already
        }
        if (bucketOf[slot] != bucket) {
            bucketOf[slot] = bucket;
            counts[slot] = 0;
        }
        counts[slot]++;
    }

    /** Events in the window ending at {@code nowMillis}. */
    public long count(long nowMillis) {
        return count(nowMillis, counts.length);
    }

    /**
     * Events in the last {@code steps} buckets up to {@code nowMillis}: a spike counts its window as the later half
     * of a counter spanning two.
     */
    public long count(long nowMillis, int steps) {
        long current = Math.floorDiv(nowMillis, bucketMillis);
        long oldest = current - steps + 1;
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (bucketOf[i] >= oldest && bucketOf[i] <= current) {
                sum += counts[i];
            }
        }
        return sum;
    }
}
