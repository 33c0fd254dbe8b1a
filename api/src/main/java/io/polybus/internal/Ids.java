package io.polybus.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cheap unique message ids: a random per-process prefix and a hex counter, written straight into the id's
 * bytes (hex needs no division, and one array replaces a formatted number plus a concatenation).
 */
public final class Ids {
    private static final byte[] PREFIX = (Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36) + "-")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final AtomicLong COUNTER = new AtomicLong();

    private Ids() {
    }

    public static String next() {
        long n = COUNTER.incrementAndGet();
        int digits = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(n) + 3) / 4);
        byte[] id = new byte[PREFIX.length + digits];
        System.arraycopy(PREFIX, 0, id, 0, PREFIX.length);
        for (int i = id.length - 1; i >= PREFIX.length; i--) {
            id[i] = HEX[(int) n & 0xf];
            n >>>= 4;
        }
        return new String(id, StandardCharsets.ISO_8859_1);
    }
}
