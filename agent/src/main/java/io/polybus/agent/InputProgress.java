package io.polybus.agent;

/**
 * Where one input (a file, a stream, a connection) is acknowledged up to: records sent with it are grouped in
 * batches in reading order, and the acknowledged offset advances over a batch only once the broker acknowledged
 * every event of it and of the batches before. Made by {@link SourceContext#newInput}.
 */
public interface InputProgress {

    /** The offset up to which every record was acknowledged (or needed no delivery). Any thread. */
    long ackedOffset();

    /** Closes the open batch, so that it completes once its events are acknowledged. The source's thread. */
    void seal();

    /** Notes that the bytes up to {@code endOffset} were read and need no delivery (e.g. the rest of a truncated line). */
    void skipTo(long endOffset);

    /** True when no batch is waiting for the broker. Any thread. */
    boolean idle();
}
