package io.polybus.agent;

import io.polybus.events.Origin;

/**
 * One record a source read: a line, a chunk of a line longer than the largest event, joined lines of a
 * multi-line event, a datagram. The bytes are the source's buffer, valid until {@link SourceContext#send} returns.
 *
 * @param bytes       the buffer
 * @param offset      where the record starts in it
 * @param length      its length in bytes (line end excluded)
 * @param origin      the input it came from
 * @param position    the input offset of its first byte (the event's {@code source.offset})
 * @param endPosition the input offset just past it (and its line end): the checkpoint moves there once it is sent
 * @param cut         whether it is a whole record or a piece of one
 */
public record RawLine(byte[] bytes, int offset, int length, Origin origin, long position, long endPosition, Cut cut) {

    /** Whether a record is whole or was cut at {@code max-event-bytes}. */
    public enum Cut {
        /** The whole record. */
        WHOLE,
        /** One of several chunks of a longer record (tagged {@code _split}). */
        SPLIT,
        /** The first {@code max-event-bytes} of a longer record, the rest skipped (tagged {@code _truncated}). */
        TRUNCATED
    }
}
