package io.polybus.bench.internal;

import java.nio.ByteBuffer;

/**
 * What every benchmark payload carries in its first {@value #BYTES} bytes, big-endian: the producer's number,
 * its sequence number, the key's index, the intended and the actual send time ({@link System#nanoTime()}).
 * Producers and consumers run in one JVM, so one clock measures both ends.
 *
 * @param producer     the producer's number in the run
 * @param sequence     0, 1, 2, ... per producer
 * @param key          index of the key, 0 when messages have none
 * @param intendedNanos when the schedule wanted the message sent (equals {@code sentNanos} at maximum rate)
 * @param sentNanos    when it was handed to the client
 */
public record Stamp(int producer, long sequence, int key, long intendedNanos, long sentNanos) {
    public static final int BYTES = 4 + 8 + 4 + 8 + 8;

    /** Writes this stamp over the first {@value #BYTES} bytes of {@code payload}. */
    public void writeTo(byte[] payload) {
        ByteBuffer.wrap(payload).putInt(producer).putLong(sequence).putInt(key).putLong(intendedNanos).putLong(sentNanos);
    }

    /**
     * Reads the stamp of a benchmark payload.
     *
     * @throws IllegalArgumentException when the payload is too short to be one
     */
    public static Stamp readFrom(byte[] payload) {
        if (payload.length < BYTES) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes carries no benchmark stamp");
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        return new Stamp(b.getInt(), b.getLong(), b.getInt(), b.getLong(), b.getLong());
    }
}
