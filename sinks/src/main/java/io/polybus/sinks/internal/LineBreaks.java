package io.polybus.sinks.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Whether an event's JSON holds a line break, which a line of NDJSON must not: JSON strings cannot hold one
 * unescaped, so only the whitespace between tokens can, and almost no event has one. Every event a sink writes as
 * a line is checked, so the bytes are read eight at a time. Stateless; thread-safe.
 */
public final class LineBreaks {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long EIGHT_LF = 0x0A0A0A0A0A0A0A0AL;
    private static final long EIGHT_CR = 0x0D0D0D0D0D0D0D0DL;

    private LineBreaks() {
    }

    /** Whether {@code b} holds a CR or LF byte. */
    public static boolean in(byte[] b) {
        int i = 0;
        for (; i + Long.BYTES <= b.length; i += Long.BYTES) {
            long word = (long) LONGS.get(b, i);
            if (hasZeroByte(word ^ EIGHT_LF) || hasZeroByte(word ^ EIGHT_CR)) {
                return true;
            }
        }
        for (; i < b.length; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                return true;
            }
        }
        return false;
    }

    /** Whether a byte of {@code word} is zero (exact: a borrow only ever marks a byte above a zero one). */
    private static boolean hasZeroByte(long word) {
        return ((word - 0x0101010101010101L) & ~word & 0x8080808080808080L) != 0;
    }
}
