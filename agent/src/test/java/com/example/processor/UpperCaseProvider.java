package com.example.processor;

import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.Locale;

/** A processor that lives only in test sources, registered as a third-party jar would register it. */
public final class UpperCaseProvider implements ProcessorProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "upper-case")
            .define("field", ConfigDef.Type.STRING, "message", "The field to upper-case.").build();

    @Override
    public String type() {
        return "upper-case";
    }

    @Override
    public String description() {
        return "Upper-cases one field.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        FieldPath field = FieldPath.of(config.getString("field"));
        return (event, chain) -> {
            Object v = event.get(field);
            if (v != null) {
                event.set(field, v.toString().toUpperCase(Locale.ROOT));
            }
            chain.proceed(event);
        };
    }
}
