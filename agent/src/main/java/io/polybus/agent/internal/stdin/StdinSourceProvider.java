package io.polybus.agent.internal.stdin;

import io.polybus.agent.Source;
import io.polybus.agent.SourceProvider;
import io.polybus.agent.internal.BufferSettings;
import io.polybus.agent.internal.LineSettings;
import io.polybus.events.ComponentContext;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

/** The {@code stdin} source: the lines of the agent's standard input, until it ends. */
public final class StdinSourceProvider implements SourceProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("source", "stdin")
            .include(LineSettings.keys("stdin", "1MiB", true)).include(BufferSettings.KEYS).build();

    @Override
    public String type() {
        return "stdin";
    }

    @Override
    public String description() {
        return "The lines of standard input, until it ends (not checkpointed: a stream cannot be read again; `buffer: disk` keeps what was read).";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Source create(ProviderConfig config, ComponentContext context) {
        return new StdinSource(context.name(), LineSettings.of(config));
    }
}
