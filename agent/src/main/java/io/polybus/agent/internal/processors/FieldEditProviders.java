package io.polybus.agent.internal.processors;

import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The processors that edit fields: {@code add-fields}, {@code rename-fields}, {@code drop-fields}. */
public final class FieldEditProviders {
    private FieldEditProviders() {
    }

    /** {@code add-fields}: sets fields to constant values. */
    public static final class Add implements ProcessorProvider {
        private static final ConfigDef KEYS = ConfigDef.builder("processor", "add-fields")
                .define("fields", Type.MAP, null, "Field paths and the values they get, e.g. `{service: edge, env: demo}`.")
                .required("fields").build();

        @Override
        public String type() {
            return "add-fields";
        }

        @Override
        public String description() {
            return "Sets fields to constant values.";
        }

        @Override
        public ConfigDef configDef() {
            return KEYS;
        }

        @Override
        public Processor create(ProviderConfig config, ComponentContext context) {
            Map<FieldPath, String> values = new LinkedHashMap<>();
            config.getMap("fields").forEach((name, value) -> values.put(Processors.path(config, "fields", name), value));
            return (event, chain) -> {
                values.forEach(event::set);
                chain.proceed(event);
            };
        }
    }

    /** {@code rename-fields}: moves fields to other names. */
    public static final class Rename implements ProcessorProvider {
        private static final ConfigDef KEYS = ConfigDef.builder("processor", "rename-fields")
                .define("fields", Type.MAP, null, "Field paths and their new paths, e.g. `{env: environment}`.")
                .required("fields").build();

        @Override
        public String type() {
            return "rename-fields";
        }

        @Override
        public String description() {
            return "Moves fields to other names (a missing field is left alone).";
        }

        @Override
        public ConfigDef configDef() {
            return KEYS;
        }

        @Override
        public Processor create(ProviderConfig config, ComponentContext context) {
            Map<FieldPath, FieldPath> renames = new LinkedHashMap<>();
            config.getMap("fields").forEach((from, to) -> renames.put(Processors.path(config, "fields", from),
                    Processors.path(config, "fields", to)));
            return (event, chain) -> {
                renames.forEach((from, to) -> {
                    Object v = event.remove(from);
                    if (v != null) {
                        event.set(to, v);
                    }
                });
                chain.proceed(event);
            };
        }
    }

    /** {@code drop-fields}: removes fields. */
    public static final class Drop implements ProcessorProvider {
        private static final ConfigDef KEYS = ConfigDef.builder("processor", "drop-fields")
                .defineRequired("fields", Type.LIST, ConfigDef.nonEmpty(), "Field paths to remove, e.g. `[team, http_user_agent]`.").build();

        @Override
        public String type() {
            return "drop-fields";
        }

        @Override
        public String description() {
            return "Removes fields.";
        }

        @Override
        public ConfigDef configDef() {
            return KEYS;
        }

        @Override
        public Processor create(ProviderConfig config, ComponentContext context) {
            List<FieldPath> drop = config.getList("fields").stream().map(name -> Processors.path(config, "fields", name)).toList();
            return (event, chain) -> {
                drop.forEach(event::remove);
                chain.proceed(event);
            };
        }
    }
}
