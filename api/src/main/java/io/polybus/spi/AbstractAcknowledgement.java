package io.polybus.spi;

import io.polybus.Acknowledgement;
import io.polybus.ConsumerOptions;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * The shared rules of settling a delivery, so that every broker module keeps them alike (CONTRACT 3):
 * the first outcome wins and later ones are no-ops; a requeue on the last allowed attempt becomes a dead
 * letter; a dead letter goes to the configured topic, or is dropped and counted when there is none; a requeue
 * without delay (none given, or none from the group's {@link ConsumerOptions#retryBackoff()}) is
 * {@link #onRequeue(String)}, one with a positive delay {@link #onRequeue(String, Duration)}.
 * Subclasses implement only the broker operations. Thread-safe.
 */
public abstract class AbstractAcknowledgement implements Acknowledgement {
    private static final VarHandle SETTLED;

    static {
        try {
            SETTLED = MethodHandles.lookup().findVarHandle(AbstractAcknowledgement.class, "settled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private volatile boolean settled;
    protected final int attempt;
    protected final ConsumerOptions options;
    private final DeliveryCounters counters;

    protected AbstractAcknowledgement(int attempt, ConsumerOptions options, DeliveryCounters counters) {
        this.attempt = attempt;
        this.options = options;
        this.counters = counters;
    }

    @Override
    public final void ack() {
        if (settle()) {
            onAck();
            counters.acked.increment();
        }
    }

    @Override
    public final void requeue(String reason) {
        requeue(reason, options.retryBackoff().delayAfter(attempt));
    }

    @Override
    public final void requeue(String reason, Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("requeue delay must not be negative, was " + delay);
        }
        if (settle()) {
            if (attempt >= options.maxDeliveries()) {
                deadLetter(reason + " (gave up after " + attempt + " deliveries)");
            } else {
                if (delay.isZero()) {
                    onRequeue(reason);
                } else {
                    onRequeue(reason, delay);
                }
                counters.requeued.increment();
            }
        }
    }

    @Override
    public final void reject(String reason) {
        if (settle()) {
            deadLetter(reason);
        }
    }

    /**
     * Takes the delivery back without an outcome, for a consumer that closes or loses its connection.
     *
     * @return true when the delivery was still unsettled: the caller must make the broker redeliver it
     */
    public final boolean abandon() {
        return settle();
    }

    public final boolean isSettled() {
        return settled;
    }

    private boolean settle() {
        return SETTLED.compareAndSet(this, false, true);
    }

    private void deadLetter(String reason) {
        if (options.deadLetterTopic().isPresent()) {
            onDeadLetter(options.deadLetterTopic().get(), reason);
            counters.deadLettered.increment();
        } else {
            onDrop(reason);
            counters.dropped.increment();
        }
    }

    /** The broker operation for ACK. */
    protected abstract void onAck();

    /** Makes the broker deliver the message again with attempt + 1. */
    protected abstract void onRequeue(String reason);

    /**
     * Makes the broker deliver the message again with attempt + 1, not before {@code delay} (positive). A provider
     * overrides this when it declares {@link io.polybus.Capability#DELAYED_REQUEUE}; on one that does not, the
     * public API refuses a positive delay before the delivery is settled, so this is never reached.
     */
    protected void onRequeue(String reason, Duration delay) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot delay a requeue; its provider must "
                + "not declare " + io.polybus.Capability.DELAYED_REQUEUE);
    }

    /** Moves the message to {@code deadLetterTopic} (use {@link io.polybus.DeadLetter#of}), then removes it. */
    protected abstract void onDeadLetter(String deadLetterTopic, String reason);

    /** Removes the message without dead-lettering it; by default the same as an ack. */
    protected void onDrop(String reason) {
        onAck();
    }
}
