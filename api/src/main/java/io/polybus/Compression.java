package io.polybus;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a producer compresses payloads ({@link ProducerOptions#compression()}). Kafka compresses record batches with
 * its own codec; every other broker carries the compressed payload marked with the {@link #HEADER} header, and every
 * Polybus consumer decompresses it before the handler sees the message (the header removed), so handlers never
 * know. {@code ZSTD} needs {@code com.github.luben:zstd-jni} on the class path and {@code LZ4}
 * {@code at.yawk.lz4:lz4-java} (both come with {@code kafka-clients}); {@code GZIP} is the JDK's.
 */
public enum Compression {
    /** Payloads as they are. */
    NONE,
    /** gzip (RFC 1952): the most widely readable, the slowest. */
    GZIP,
    /** An LZ4 frame: the fastest, the least compact. */
    LZ4,
    /** A Zstandard frame at level 3: close to gzip's ratio at several times its speed. */
    ZSTD;

    /** The header naming the codec of a compressed payload: {@code gzip}, {@code lz4} or {@code zstd}. */
    public static final String HEADER = "polybus.compression";

    /** The name in configuration and in the {@link #HEADER} header. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The compression a configuration value names (any case).
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static Compression of(String name) {
        for (Compression c : values()) {
            if (c.configName().equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Compression::configName).collect(Collectors.joining(", ")));
    }
}
