package io.polybus;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How a producer behaves. Immutable; build with {@link #builder()}.
 *
 * @param maxInFlightBytes bytes of messages sent but not yet confirmed that the producer holds at most
 * @param backpressure     what {@code send} does when that bound is reached
 * @param blockTimeout     how long {@link Backpressure#BLOCK} waits for room
 * @param closeTimeout     how long {@code flush} and {@code close} wait for in-flight sends
 * @param required         capabilities the broker must have, checked when the producer is created
 * @param compression      how payloads are compressed: Kafka with its own codec, every other broker by Polybus,
 *                         consumers decompressing before the handler ({@link Compression})
 */
public record ProducerOptions(long maxInFlightBytes, Backpressure backpressure, Duration blockTimeout,
                              Duration closeTimeout, Set<Capability> required, Compression compression) {

    private static final ProducerOptions DEFAULTS = builder().build();

    public ProducerOptions {
        if (maxInFlightBytes <= 0) {
            throw new IllegalArgumentException("maxInFlightBytes must be positive, was " + maxInFlightBytes);
        }
        Objects.requireNonNull(backpressure, "backpressure");
        requireNonNegative(blockTimeout, "blockTimeout");
        requireNonNegative(closeTimeout, "closeTimeout");
        required = required.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(required));
        Objects.requireNonNull(compression, "compression");
    }

    /** 32 MiB in flight, block up to 60 s when full, 30 s to close, nothing required, no compression. */
    public static ProducerOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxInFlightBytes = maxInFlightBytes;
        b.backpressure = backpressure;
        b.blockTimeout = blockTimeout;
        b.closeTimeout = closeTimeout;
        b.required = EnumSet.noneOf(Capability.class);
        b.required.addAll(required);
        b.compression = compression;
        return b;
    }

    static void requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
    }

    /** Builds {@link ProducerOptions}. */
    public static final class Builder {
        private long maxInFlightBytes = 32L * 1024 * 1024;
        private Backpressure backpressure = Backpressure.BLOCK;
        private Duration blockTimeout = Duration.ofSeconds(60);
        private Duration closeTimeout = Duration.ofSeconds(30);
        private EnumSet<Capability> required = EnumSet.noneOf(Capability.class);
        private Compression compression = Compression.NONE;

        private Builder() {
        }

        public Builder maxInFlightBytes(long bytes) {
            this.maxInFlightBytes = bytes;
            return this;
        }

        public Builder backpressure(Backpressure backpressure) {
            this.backpressure = backpressure;
            return this;
        }

        public Builder blockTimeout(Duration timeout) {
            this.blockTimeout = timeout;
            return this;
        }

        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        public Builder require(Capability... capabilities) {
            required.addAll(Set.of(capabilities));
            return this;
        }

        /** See {@link ProducerOptions#compression()}. */
        public Builder compression(Compression compression) {
            this.compression = compression;
            return this;
        }

        public ProducerOptions build() {
            return new ProducerOptions(maxInFlightBytes, backpressure, blockTimeout, closeTimeout, required, compression);
        }
    }
}
