package io.polybus.agent.internal.file;

import io.polybus.agent.Source;
import io.polybus.agent.SourceProvider;
import io.polybus.events.ComponentContext;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

/** The {@code file} source: follows files by glob across rotation, checkpointed. */
public final class FileSourceProvider implements SourceProvider {
    @Override
    public String type() {
        return "file";
    }

    @Override
    public String description() {
        return "Follows files found by glob patterns, across rename and copytruncate rotation, resuming from checkpoints.";
    }

    @Override
    public ConfigDef configDef() {
        return FileSettings.KEYS;
    }

    @Override
    public Source create(ProviderConfig config, ComponentContext context) {
        return new FileSource(context.name(), FileSettings.of(config));
    }
}
