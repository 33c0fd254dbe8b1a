package io.polybus;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a consumer subscribes and settles deliveries. Immutable; build with {@link #builder(String, String)}.
 *
 * @param topic           the topic to read
 * @param group           the group to read it as
 * @param concurrency     handler threads; per key, deliveries are still handled one at a time in order
 * @param prefetch        deliveries handed out but not yet settled that the consumer holds at most
 * @param ackMode         who settles deliveries
 * @param onHandlerError  {@link Outcome#REQUEUE} or {@link Outcome#REJECT}: applied when the handler throws
 *                        before settling
 * @param maxDeliveries   attempts after which a requeued message is dead-lettered instead
 * @param deadLetterTopic where rejected and exhausted messages go; empty to drop (and count) them
 * @param startFrom       where a group that does not exist yet starts
 * @param closeTimeout    how long {@code close} waits for running handlers
 * @param required        capabilities the broker must have, checked at subscribe
 * @param ephemeral       the group lives only while this consumer is open: closing it deletes what the broker kept
 *                        for the group (queue, offsets, retry topic, stream group, session), so nothing is left
 *                        behind and nothing accumulates for it; one member per group
 * @param retryBackoff    how long {@link Acknowledgement#requeue(String)} waits before the next attempt;
 *                        {@link RetryBackoff#NONE} (the default) redelivers at once. Any other needs a broker with
 *                        {@link Capability#DELAYED_REQUEUE}, checked at subscribe
 */
public record ConsumerOptions(String topic, String group, int concurrency, int prefetch, AckMode ackMode,
                              Outcome onHandlerError, int maxDeliveries, Optional<String> deadLetterTopic,
                              StartPosition startFrom, Duration closeTimeout, Set<Capability> required,
                              boolean ephemeral, RetryBackoff retryBackoff) {

    /** The dead-letter topic used unless another is set: {@code <topic>.dlq}. */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";

    public ConsumerOptions {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(group, "group");
        if (topic.isBlank() || group.isBlank()) {
            throw new IllegalArgumentException("topic and group must not be blank");
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1, was " + prefetch);
        }
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("maxDeliveries must be at least 1, was " + maxDeliveries);
        }
        Objects.requireNonNull(ackMode, "ackMode");
        if (onHandlerError != Outcome.REQUEUE && onHandlerError != Outcome.REJECT) {
            throw new IllegalArgumentException("onHandlerError must be REQUEUE or REJECT, was " + onHandlerError);
        }
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(startFrom, "startFrom");
        ProducerOptions.requireNonNegative(closeTimeout, "closeTimeout");
        required = required.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(required));
        Objects.requireNonNull(retryBackoff, "retryBackoff");
    }

    /**
     * Options for {@code group} on {@code topic}: concurrency 1, prefetch 256, manual acks, requeue on handler
     * error, 5 deliveries at most, dead letters to {@code <topic>.dlq}, start at the latest message, 30 s to close,
     * requeued deliveries redelivered at once.
     */
    public static Builder builder(String topic, String group) {
        return new Builder(topic, group);
    }

    public static ConsumerOptions of(String topic, String group) {
        return builder(topic, group).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder(topic, group);
        b.concurrency = concurrency;
        b.prefetch = prefetch;
        b.ackMode = ackMode;
        b.onHandlerError = onHandlerError;
        b.maxDeliveries = maxDeliveries;
        b.deadLetterTopic = deadLetterTopic;
        b.startFrom = startFrom;
        b.closeTimeout = closeTimeout;
        b.required.addAll(required);
        b.ephemeral = ephemeral;
        b.retryBackoff = retryBackoff;
        return b;
    }

    /** Builds {@link ConsumerOptions}. */
    public static final class Builder {
        private final String topic;
        private final String group;
        private int concurrency = 1;
        private int prefetch = 256;
        private AckMode ackMode = AckMode.MANUAL;
        private Outcome onHandlerError = Outcome.REQUEUE;
        private int maxDeliveries = 5;
        private Optional<String> deadLetterTopic;
        private StartPosition startFrom = StartPosition.LATEST;
        private Duration closeTimeout = Duration.ofSeconds(30);
        private final EnumSet<Capability> required = EnumSet.noneOf(Capability.class);
        private boolean ephemeral;
        private RetryBackoff retryBackoff = RetryBackoff.NONE;

        private Builder(String topic, String group) {
            this.topic = topic;
            this.group = group;
            this.deadLetterTopic = Optional.of(topic + DEAD_LETTER_SUFFIX);
        }

        public Builder concurrency(int threads) {
            this.concurrency = threads;
            return this;
        }

        public Builder prefetch(int deliveries) {
            this.prefetch = deliveries;
            return this;
        }

        public Builder ackMode(AckMode mode) {
            this.ackMode = mode;
            return this;
        }

        public Builder onHandlerError(Outcome outcome) {
            this.onHandlerError = outcome;
            return this;
        }

        public Builder maxDeliveries(int attempts) {
            this.maxDeliveries = attempts;
            return this;
        }

        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = Optional.of(topic);
            return this;
        }

        /** Drop (and count) rejected and exhausted messages instead of dead-lettering them. */
        public Builder noDeadLetter() {
            this.deadLetterTopic = Optional.empty();
            return this;
        }

        public Builder startFrom(StartPosition position) {
            this.startFrom = position;
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

        /**
         * A group that lives only while this consumer is open, for a look at a topic ({@code polybus consume}):
         * closing the consumer deletes what the broker kept for the group, so nothing is left behind. Where the
         * broker can, the group also goes when the process dies without closing (docs/contract.md).
         */
        public Builder ephemeral() {
            this.ephemeral = true;
            return this;
        }

        /**
         * Requeues wait before the next attempt: {@code initial} after the first, {@code multiplier} times longer
         * after each next one, at most {@code max} (see {@link RetryBackoff}). The broker must have
         * {@link Capability#DELAYED_REQUEUE}; subscribing on one without it fails with an
         * {@link UnsupportedCapabilityException}.
         */
        public Builder retryBackoff(Duration initial, double multiplier, Duration max) {
            this.retryBackoff = new RetryBackoff(initial, multiplier, max);
            return this;
        }

        public ConsumerOptions build() {
            return new ConsumerOptions(topic, group, concurrency, prefetch, ackMode, onHandlerError, maxDeliveries,
                    deadLetterTopic, startFrom, closeTimeout, required, ephemeral, retryBackoff);
        }
    }
}
