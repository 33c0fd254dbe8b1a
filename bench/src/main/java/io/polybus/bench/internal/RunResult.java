package io.polybus.bench.internal;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Map;

/**
 * What one run (one broker, one client, one rate) measured. Latency histograms hold microseconds.
 *
 * @param broker          the broker type
 * @param client          {@code polybus} or {@code raw}
 * @param targetRate      msg/s the run aimed at, 0 for as fast as possible
 * @param round           which round of the broker and rate this run was, from 1 (see the workload's {@code repeat})
 * @param phases          whether the consumers read while the producers sent or afterwards
 * @param status          how it ended
 * @param error           why it failed or the first send error, else null
 * @param measuredSeconds from the end of the warm-up to the last acknowledgement
 * @param sent            messages handed to the client (warm-up included)
 * @param sendErrors      sends that completed with an error
 * @param received        deliveries over all groups (warm-up included)
 * @param publishRate     acknowledged msg/s in the measured window
 * @param publishMBps     acknowledged payload MB/s (10^6 bytes) in the measured window
 * @param consumeRate     deliveries per second over all groups: with {@link Workload.Phases#TOGETHER}, of the
 *                        messages sent after the warm-up, from the end of the warm-up to the last of them; with
 *                        {@link Workload.Phases#SEPARATE}, of every delivery, from the moment every consumer was
 *                        subscribed again to the last delivery
 * @param publishIntended send → ack, from the intended send time (free of coordinated omission)
 * @param publishActual   send → ack, from the actual send time
 * @param e2eIntended     send → consumer handler, from the intended send time; empty when the phases are
 *                        separate (it would measure the pause between them)
 * @param e2eActual       send → consumer handler, from the actual send time; empty when the phases are separate
 * @param lost            acknowledged messages some group never received (any fails the run)
 * @param duplicated      deliveries of a message a group had already received
 * @param reordered       messages a group received after a later one of the same producer and key; -1 when the
 *                        messages have no key (no order to keep)
 * @param timeline        one sample per second
 * @param provenance      the effective settings and versions of this run
 */
public record RunResult(String broker, String client, long targetRate, int round, Workload.Phases phases,
                        Status status, String error,
                        double measuredSeconds, long sent, long sendErrors, long received,
                        double publishRate, double publishMBps, double consumeRate,
                        Histogram publishIntended, Histogram publishActual, Histogram e2eIntended, Histogram e2eActual,
                        long lost, long duplicated, long reordered,
                        List<Sample> timeline, Map<String, String> provenance) {

    /** How a run ended. */
    public enum Status {
        /** Every acknowledged message arrived in every group. */
        OK,
        /** Some acknowledged message never arrived. */
        LOST,
        /** Some sends failed (the client was told; nothing was lost silently). */
        SEND_ERRORS,
        /** The run could not be carried out, e.g. the broker was not reachable. */
        FAILED
    }

    /**
     * One second of a run.
     *
     * @param second      seconds since the run started (warm-up included)
     * @param publishRate acknowledgements per second
     * @param consumeRate deliveries per second over all groups
     * @param e2eP99Micros p99 end-to-end latency (intended) of the measured messages received in that second, -1 if none
     */
    public record Sample(double second, double publishRate, double consumeRate, long e2eP99Micros) {
    }

    /** {@code broker/client}, e.g. {@code kafka/raw}. */
    public String target() {
        return broker + "/" + client;
    }

    public boolean passed() {
        return status == Status.OK;
    }

    /** False when the phases were separate: the end-to-end histograms are empty, not zero. */
    public boolean endToEndMeasured() {
        return phases == Workload.Phases.TOGETHER;
    }
}
