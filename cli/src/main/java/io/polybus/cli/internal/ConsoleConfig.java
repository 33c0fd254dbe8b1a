package io.polybus.cli.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.time.Duration;

/**
 * The {@code console:} section: what {@code polybus agent} prints for people while it runs ({@code --show} turns
 * it on too).
 *
 * @param summaryInterval how often a line of counters is printed; zero for never
 * @param samples         the latest events printed with each line (memory broker only)
 */
record ConsoleConfig(Duration summaryInterval, int samples) {

    static final ConfigDef KEYS = ConfigDef.builder("section", "console")
            .define("summary-interval", Type.DURATION, "0s", "How often a line of counters is printed; 0s for never (`--show`: every 2s).")
            .define("samples", Type.INT, "1", ConfigDef.between(0, 100), "Latest events printed with each line, read back from the topic (memory broker only).")
            .build();

    static ConsoleConfig of(ProviderConfig c) {
        return new ConsoleConfig(c.getDuration("summary-interval"), c.getInt("samples"));
    }

    boolean enabled() {
        return !summaryInterval.isZero();
    }
}
