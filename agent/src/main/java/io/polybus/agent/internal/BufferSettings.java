package io.polybus.agent.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

/**
 * Where a source that cannot replay (stdin, syslog) keeps what it received until the broker acknowledged it:
 * in memory (lost if the agent is killed) or on disk ({@link DiskBuffer}).
 *
 * @param disk     whether records are written to disk before they count as received
 * @param maxBytes records received and not yet acknowledged, at most (disk only)
 */
public record BufferSettings(boolean disk, long maxBytes) {

    /** The keys, for the sources that offer them. */
    public static final ConfigDef KEYS = ConfigDef.builder("section", "buffer")
            .define("buffer", Type.STRING, "memory", ConfigDef.oneOf("memory", "disk"),
                    "`disk`: each record is written to `<data-dir>/buffers/<source>` before it counts as received, so a kill -9 loses none; `memory`: what was received and not yet acknowledged is lost if the agent dies.")
            .define("buffer-max-bytes", Type.SIZE, "64MiB", ConfigDef.between(1 << 20, 1L << 40),
                    "With `buffer: disk`: records received and not yet acknowledged, at most; past it receiving waits (backpressure).")
            .build();

    /** The settings of a source whose keys include {@link #KEYS}, or null when it has none. */
    public static BufferSettings of(ProviderConfig c) {
        return c.has("buffer") ? new BufferSettings(c.getString("buffer").equalsIgnoreCase("disk"), c.getSize("buffer-max-bytes")) : null;
    }
}
