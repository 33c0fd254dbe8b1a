package io.polybus.agent;

import java.io.InputStream;

/**
 * What a running {@link Source} uses of the agent: its settings, its output, and the stop signal. Used from the
 * source's thread only, except {@link #stopping()}.
 */
public interface SourceContext {

    /** The source's configured name. */
    String name();

    /** Whether to return at the end of the input ({@code polybus agent --once}) instead of waiting for more. */
    boolean once();

    /** True once the agent stops: return from {@link Source#run} soon. */
    boolean stopping();

    /**
     * Tracks where a new input (a file, a stream, a connection) is acknowledged up to, from {@code startOffset}.
     * Records sent with it hold it back until the broker acknowledged their events.
     */
    InputProgress newInput(long startOffset);

    /**
     * Runs one record through the source's processors and ships the event. The record's bytes may be reused once
     * this returns. Waits while the agent's in-flight bound is reached (backpressure).
     *
     * @param progress the input it belongs to, whose acknowledged offset moves past {@link RawLine#endPosition()}
     *                 once its event is acknowledged (or it was filtered)
     */
    Outcome send(RawLine line, InputProgress progress);

    /**
     * Runs one event the source made itself (a sample, a metric), not read from bytes, through the source's
     * processors and ships it.
     *
     * @param message         its text
     * @param timestampMillis when it happened
     * @param fields          its fields (copied)
     * @param progress        the input it belongs to
     * @param endOffset       where that input's acknowledged offset moves once the event is sent
     */
    Outcome emit(String message, long timestampMillis, java.util.Map<String, Object> fields, InputProgress progress,
                 long endOffset);

    /**
     * Sends the events held back so far, if any: the events packed ({@code delivery.events-per-message} above 1) and
     * the messages waiting to go to the broker together. Sources call it at the end of each read round, so neither
     * adds latency.
     *
     * @return false when the agent stopped while waiting for room to send
     */
    boolean flush();

    /** Records at most in one acknowledgement batch of an input ({@code delivery.batch-events}). */
    int batchEvents();

    /** The process's standard input as the agent was given it ({@link System#in}, or a program's stream). */
    default InputStream standardInput() {
        return System.in;
    }

    /** The largest record the source should hand over ({@code max-event-bytes} of line sources). */
    default int maxRecordBytes() {
        return Integer.MAX_VALUE;
    }
}
