package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.Condition;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

/** {@code filter}: drops events, or keeps only some, by a condition of the one condition language. */
public final class FilterProcessorProvider implements ProcessorProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "filter")
            .defineParsed("drop-when", "a condition", Condition::parse, "Events meeting this condition are dropped (counted as filtered).")
            .defineParsed("keep-when", "a condition", Condition::parse, "Only events meeting this condition go on.")
            .build();

    @Override
    public String type() {
        return "filter";
    }

    @Override
    public String description() {
        return "Drops events by a condition (`drop-when`), or keeps only those meeting one (`keep-when`).";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        boolean drop = config.has("drop-when");
        if (drop == config.has("keep-when")) {
            throw new ConfigException(config.path(), null,
                    "exactly one of drop-when or keep-when, each a condition such as {field: status, gte: 500}");
        }
        Condition condition = config.get(drop ? "drop-when" : "keep-when", Condition.class);
        return (event, chain) -> {
            if (condition.test(event) != drop) {
                chain.proceed(event);
            }
        };
    }
}
