package io.polybus;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link BatchHandler}'s deliveries are grouped into calls. Immutable.
 *
 * @param maxSize the most deliveries in one call; at most the consumer's {@link ConsumerOptions#prefetch()},
 *                since a consumer never holds more unsettled deliveries than that
 * @param maxWait how long after the first delivery of a batch arrived the batch is handed over, full or not
 */
public record BatchOptions(int maxSize, Duration maxWait) {

    public BatchOptions {
        if (maxSize < 1) {
            throw new IllegalArgumentException("batch maxSize must be at least 1, was " + maxSize);
        }
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("batch maxWait must be positive, was " + maxWait);
        }
    }

    /** Up to {@code maxSize} deliveries per call, handed over at the latest {@code maxWait} after the first. */
    public static BatchOptions of(int maxSize, Duration maxWait) {
        return new BatchOptions(maxSize, maxWait);
    }
}
