package io.polybus.monitor.internal.notifiers;

import io.polybus.events.ComponentContext;
import io.polybus.monitor.Notifier;
import io.polybus.monitor.NotifierContext;
import io.polybus.monitor.NotifierProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.io.PrintStream;

/** {@code type: stdout}: one line per notice on the console. */
public final class StdoutNotifierProvider implements NotifierProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("notifier", "stdout")
            .define("format", ConfigDef.Type.STRING, "text", ConfigDef.oneOf("text", "json"),
                    "`text`: one line for people; `json`: the notice as one JSON object, for tools.")
            .build();

    @Override
    public String type() {
        return "stdout";
    }

    @Override
    public String description() {
        return "One line per alert notice on standard output (the agent's console when it runs the monitor).";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Notifier create(ProviderConfig config, NotifierContext context) {
        return create(config, context.console());
    }

    /** Without a monitor's console: the process's standard output, which is what {@code type: stdout} asks for. */
    @Override
    public Notifier create(ProviderConfig config, ComponentContext context) {
        return create(config, System.out);
    }

    private static Notifier create(ProviderConfig config, PrintStream out) {
        return new StdoutNotifier(out, config.getString("format").equalsIgnoreCase("json"));
    }
}
