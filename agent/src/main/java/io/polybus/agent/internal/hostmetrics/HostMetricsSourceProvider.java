package io.polybus.agent.internal.hostmetrics;

import io.polybus.agent.Source;
import io.polybus.agent.SourceProvider;
import io.polybus.events.ComponentContext;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.nio.file.Path;
import java.time.Duration;

/** The {@code host-metrics} source: this machine's CPU, memory, load, disk and network as events. */
public final class HostMetricsSourceProvider implements SourceProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("source", "host-metrics")
            .define("interval", Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofMillis(100)), "Time between two samples.")
            .define("disks", Type.LIST, "/", "Mount points whose space is reported.")
            .build();

    @Override
    public String type() {
        return "host-metrics";
    }

    @Override
    public String description() {
        return "An event per interval with this machine's CPU, memory, load, disk and network figures (from /proc).";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Source create(ProviderConfig config, ComponentContext context) {
        return new HostMetricsSource(context.name(), config.getDuration("interval"), config.getList("disks"),
                Path.of("/proc"), context.clock());
    }
}
