package io.polybus.events;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The health of one pipeline (an agent output, a monitor's subscription), fed by the code that talks to the
 * broker. Unhealthy when the broker has been unreachable for longer than {@code brokerDownAfter}, or when
 * acknowledgements are pending and none has completed for longer than {@code ackStuckAfter}. Thread-safe and
 * cheap enough for every send and every ack.
 *
 * <p>As a {@link MeterBinder} it adds {@code polybus.broker.reachable} (1 or 0) and
 * {@code polybus.acks.pending}, tagged {@code pipeline=<name>}.
 */
public final class PipelineHealth implements HealthCheck, MeterBinder {
    private static final long UP = Long.MIN_VALUE;

    private final String name;
    private final Clock clock;
    private final Duration brokerDownAfter;
    private final Duration ackStuckAfter;
    private final AtomicLong downSince = new AtomicLong(UP);
    private volatile String downReason = "";
    private final AtomicLong pending = new AtomicLong();
    private volatile long lastProgress;

    /**
     * @param name            the pipeline, for meters and {@code /health} (e.g. {@code monitor}, {@code output.kafka})
     * @param brokerDownAfter how long the broker may be unreachable before this is unhealthy
     * @param ackStuckAfter   how long acknowledgements may be pending with none completing
     */
    public PipelineHealth(String name, Clock clock, Duration brokerDownAfter, Duration ackStuckAfter) {
        this.name = name;
        this.clock = clock;
        this.brokerDownAfter = brokerDownAfter;
        this.ackStuckAfter = ackStuckAfter;
        this.lastProgress = clock.millis();
    }

    /** A broker call succeeded: the broker is reachable. */
    public void brokerReachable() {
        downSince.set(UP);
    }

    /** A broker call failed for want of the broker; {@code reason} must hold no secret. */
    public void brokerUnreachable(String reason) {
        downReason = reason;
        downSince.compareAndSet(UP, clock.millis());
    }

    /** Something now waits for an acknowledgement (a send's confirmation, a delivery's ack). */
    public void ackPending() {
        if (pending.getAndIncrement() == 0) {
            lastProgress = clock.millis();
        }
    }

    /** An acknowledgement completed (successfully or not: it is no longer stuck). */
    public void ackCompleted() {
        pending.decrementAndGet();
        lastProgress = clock.millis();
    }

    public String name() {
        return name;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("polybus.broker.reachable", downSince, d -> d.get() == UP ? 1 : 0).tag("pipeline", name)
                .description("Whether the last broker call of the pipeline succeeded").register(registry);
        Gauge.builder("polybus.acks.pending", pending, AtomicLong::get).tag("pipeline", name)
                .description("Acknowledgements the pipeline waits for").register(registry);
    }

    @Override
    public Result check() {
        long now = clock.millis();
        long down = downSince.get();
        if (down != UP && now - down > brokerDownAfter.toMillis()) {
            return Result.unhealthy("broker unreachable since " + Instant.ofEpochMilli(down) + ": " + downReason);
        }
        long waiting = pending.get();
        if (waiting > 0 && now - lastProgress > ackStuckAfter.toMillis()) {
            return Result.unhealthy(waiting + " acknowledgements pending, none completed since " + Instant.ofEpochMilli(lastProgress));
        }
        return Result.healthy(down == UP ? waiting + " acknowledgements pending" : "broker unreachable since "
                + Instant.ofEpochMilli(down) + " (within " + brokerDownAfter + ")");
    }
}
