package io.polybus;

import java.time.Duration;

/**
 * How long a requeued delivery waits before it is delivered again: {@code initial} after the first attempt, then
 * {@code multiplier} times longer after each further one, never more than {@code max}. Used by
 * {@link Acknowledgement#requeue(String)} (also when a handler throws); {@link #NONE} redelivers at once.
 * Immutable.
 *
 * @param initial    the delay after attempt 1; zero for none
 * @param multiplier how much longer each next delay is; at least 1
 * @param max        the longest delay; at least {@code initial}
 */
public record RetryBackoff(Duration initial, double multiplier, Duration max) {

    /** No delay: a requeued delivery is delivered again at once. */
    public static final RetryBackoff NONE = new RetryBackoff(Duration.ZERO, 1, Duration.ZERO);

    public RetryBackoff {
        ProducerOptions.requireNonNegative(initial, "retry backoff initial");
        ProducerOptions.requireNonNegative(max, "retry backoff max");
        if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("retry backoff multiplier must be a number of at least 1, was " + multiplier);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("retry backoff max (" + max + ") must not be below initial (" + initial + ")");
        }
    }

    /** Whether requeues wait at all. */
    public boolean delays() {
        return !initial.isZero();
    }

    /**
     * The delay before the delivery after {@code attempt}: {@code initial * multiplier^(attempt - 1)}, capped at
     * {@code max}.
     */
    public Duration delayAfter(int attempt) {
        if (!delays()) {
            return Duration.ZERO;
        }
        double millis = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
    }
}
