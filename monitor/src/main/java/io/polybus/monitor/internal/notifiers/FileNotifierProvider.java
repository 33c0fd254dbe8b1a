package io.polybus.monitor.internal.notifiers;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.monitor.Notifier;
import io.polybus.monitor.NotifierProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** {@code type: file}: appends each notice as one JSON line. */
public final class FileNotifierProvider implements NotifierProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("notifier", "file")
            .defineRequired("path", ConfigDef.Type.STRING, ConfigDef.nonEmpty(),
                    "The file notices are appended to, one JSON object per line; it and its folders are created.")
            .build();

    @Override
    public String type() {
        return "file";
    }

    @Override
    public String description() {
        return "Appends each alert notice to a file as one JSON line.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Notifier create(ProviderConfig config, ComponentContext context) {
        String path = config.getString("path");
        try {
            return new FileNotifier(Path.of(path));
        } catch (InvalidPathException e) {
            throw new ConfigException(config.pathOf("path"), path, "expected a file path: " + e.getReason());
        }
    }
}
