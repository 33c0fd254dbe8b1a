package io.polybus.bench.internal;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The latencies and counts of one run. Producer callbacks and consumers record concurrently (HdrHistogram
 * {@link Recorder}s, auto-resizing, so no sample is ever dropped or clamped); one sampler thread calls
 * {@link #sample} every second to move interval histograms into the totals and to extend the timeline.
 * Only messages whose intended send time is after the warm-up are measured. When the phases are separate,
 * end-to-end latency is not recorded (it would include the pause between the phases) and every delivery
 * counts towards the consume rate.
 */
final class RunMeter {
    private static final int DIGITS = 3;

    private final Recorder publishIntended = new Recorder(DIGITS);
    private final Recorder publishActual = new Recorder(DIGITS);
    private final Recorder e2eIntended = new Recorder(DIGITS);
    private final Recorder e2eActual = new Recorder(DIGITS);
    private final Histogram totalPublishIntended = new Histogram(DIGITS);
    private final Histogram totalPublishActual = new Histogram(DIGITS);
    private final Histogram totalE2eIntended = new Histogram(DIGITS);
    private final Histogram totalE2eActual = new Histogram(DIGITS);
    private Histogram intervalE2e;

    private final boolean endToEnd;
    private long startNanos;
    private volatile long measureStartNanos = Long.MAX_VALUE;
    private volatile long consumersReadyNanos = Long.MAX_VALUE;
    private final LongAdder acked = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder measuredAcked = new LongAdder();
    private final LongAdder measuredReceived = new LongAdder();
    private final AtomicLong lastAckNanos = new AtomicLong();
    private final AtomicLong firstReceiveNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastReceiveNanos = new AtomicLong();

    private final List<RunResult.Sample> timeline = new ArrayList<>();
    private long lastSampleNanos;
    private long lastAcked;
    private long lastReceived;

    RunMeter(Workload.Phases phases) {
        this.endToEnd = phases == Workload.Phases.TOGETHER;
    }

    /** The producers start at {@code beginNanos}; messages intended from {@code measureNanos} on are measured. */
    synchronized void start(long beginNanos, long measureNanos) {
        startNanos = beginNanos;
        lastSampleNanos = beginNanos;
        measureStartNanos = measureNanos;
    }

    long measureStartNanos() {
        return measureStartNanos;
    }

    /**
     * Separate phases: every consumer is subscribed again, at {@code nanos}; the consume rate counts from then
     * (or from the first delivery, if one came sooner).
     */
    void consumersReady(long nanos) {
        consumersReadyNanos = nanos;
    }

    /** True once {@link #consumersReady} was called. */
    boolean consuming() {
        return consumersReadyNanos != Long.MAX_VALUE;
    }

    boolean measured(long intendedNanos) {
        return intendedNanos >= measureStartNanos;
    }

    /** The broker acknowledged a message sent at {@code sentNanos}, intended for {@code intendedNanos}. */
    void acked(long intendedNanos, long sentNanos) {
        long now = System.nanoTime();
        acked.increment();
        if (measured(intendedNanos)) {
            publishIntended.recordValue(micros(now - intendedNanos));
            publishActual.recordValue(micros(now - sentNanos));
            measuredAcked.increment();
            lastAckNanos.accumulateAndGet(now, Math::max);
        }
    }

    /** A consumer's handler got the message with {@code stamp}. */
    void received(Stamp stamp) {
        long now = System.nanoTime();
        received.increment();
        if (!endToEnd) {
            if (firstReceiveNanos.get() == Long.MAX_VALUE) {
                firstReceiveNanos.accumulateAndGet(now, Math::min);
            }
            lastReceiveNanos.accumulateAndGet(now, Math::max);
        } else if (measured(stamp.intendedNanos())) {
            e2eIntended.recordValue(micros(now - stamp.intendedNanos()));
            e2eActual.recordValue(micros(now - stamp.sentNanos()));
            measuredReceived.increment();
            lastReceiveNanos.accumulateAndGet(now, Math::max);
        }
    }

    private static long micros(long nanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos));
    }

    /** Moves what was recorded since the last call into the totals and appends a timeline sample (a whole second). */
    synchronized RunResult.Sample sample() {
        RunResult.Sample s = take();
        timeline.add(s);
        return s;
    }

    /** Moves what was recorded since the last sample into the totals; the part of a second it covers stays off the timeline. */
    synchronized void finish() {
        take();
    }

    private RunResult.Sample take() {
        long now = System.nanoTime();
        Histogram interval = e2eIntended.getIntervalHistogram(intervalE2e);
        intervalE2e = interval;
        totalE2eIntended.add(interval);
        totalE2eActual.add(e2eActual.getIntervalHistogram());
        totalPublishIntended.add(publishIntended.getIntervalHistogram());
        totalPublishActual.add(publishActual.getIntervalHistogram());
        double seconds = Math.max(1e-9, (now - lastSampleNanos) / 1e9);
        long a = acked.sum();
        long r = received.sum();
        RunResult.Sample s = new RunResult.Sample((now - startNanos) / 1e9, (a - lastAcked) / seconds,
                (r - lastReceived) / seconds, interval.getTotalCount() == 0 ? -1 : interval.getValueAtPercentile(99));
        lastSampleNanos = now;
        lastAcked = a;
        lastReceived = r;
        return s;
    }

    /** p99 end-to-end (intended) over the measured messages so far, in µs; -1 before any. */
    synchronized long e2eP99SoFar() {
        return totalE2eIntended.getTotalCount() == 0 ? -1 : totalE2eIntended.getValueAtPercentile(99);
    }

    long acked() {
        return acked.sum();
    }

    long received() {
        return received.sum();
    }

    long measuredAcked() {
        return measuredAcked.sum();
    }

    /** Seconds from the end of the warm-up to the last measured acknowledgement. */
    double publishSeconds() {
        long last = lastAckNanos.get();
        return last <= measureStartNanos ? 0 : (last - measureStartNanos) / 1e9;
    }

    /**
     * Deliveries per second over all groups. Together: of the measured messages, from the end of the warm-up
     * to the last of them. Separate: of every delivery (the consumers read the whole topic), from the moment
     * every consumer was subscribed again, or from the first delivery if that came sooner (a consumer may
     * deliver before its subscribe returns, and the first consumers of a group read while later ones join),
     * to the last delivery.
     */
    double consumeRate() {
        long from = endToEnd ? measureStartNanos : Math.min(consumersReadyNanos, firstReceiveNanos.get());
        long last = lastReceiveNanos.get();
        long count = endToEnd ? measuredReceived.sum() : received.sum();
        return last <= from ? 0 : count / ((last - from) / 1e9);
    }

    synchronized List<RunResult.Sample> timeline() {
        return List.copyOf(timeline);
    }

    synchronized Histogram[] totals() {
        return new Histogram[] {totalPublishIntended.copy(), totalPublishActual.copy(), totalE2eIntended.copy(),
                totalE2eActual.copy()};
    }
}
