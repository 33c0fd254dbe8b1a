package io.polybus.internal;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Cheap unique message ids: a random per-process prefix and a hex counter (hex needs no division). */
public final class Ids {
    private static final String PREFIX = Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36) + "-";
    private static final AtomicLong COUNTER = new AtomicLong();

    private Ids() {
    }

    public static String next() {
        return PREFIX.concat(Long.toHexString(COUNTER.incrementAndGet()));
    }
}
