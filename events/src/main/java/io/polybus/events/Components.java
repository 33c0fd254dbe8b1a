package io.polybus.events;

import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds the providers of a kind of component on the class path and reads components of that kind from a
 * configuration tree. Built-ins and third-party jars are found the same way, by {@link ServiceLoader}; in a
 * Guice injector, {@link ComponentModule} binds them as a {@code Map<String, P>} by type.
 */
public final class Components {
    private Components() {
    }

    /**
     * The providers of {@code kind} on the class path, by type.
     *
     * @throws IllegalStateException naming both classes when two providers claim one type, or the provider that
     *                               cannot be instantiated
     */
    public static <P extends ComponentProvider<?>> Map<String, P> load(Class<P> kind) {
        Map<String, P> found = new TreeMap<>();
        try {
            for (P provider : ServiceLoader.load(kind, kind.getClassLoader())) {
                P other = found.putIfAbsent(provider.type(), provider);
                if (other != null) {
                    throw new IllegalStateException("two " + kind.getSimpleName() + "s claim the type '" + provider.type()
                            + "': " + other.getClass().getName() + " and " + provider.getClass().getName());
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("cannot load a " + kind.getSimpleName() + ": " + e.getMessage(), e);
        }
        return found;
    }

    /**
     * Reads one component entry: a mapping whose {@code type} picks a provider (or {@code defaultType} when it
     * has none) and whose other keys are the provider's and {@code shared}'s.
     *
     * @param kind        {@code processor}, {@code source}, ... (for messages)
     * @param shared      keys every component of the kind has (such as a source's {@code name} and
     *                    {@code topic}), or null
     * @param defaultType the type of an entry without {@code type}, or null when it is required
     * @throws ConfigException naming every problem with its full path
     */
    public static <P extends ComponentProvider<?>> ComponentSpec<P> parse(String kind, Map<String, P> providers,
                                                                          ConfigDef shared, Object raw, String path,
                                                                          String defaultType) {
        if (!(raw instanceof Map<?, ?> entry)) {
            throw new ConfigException(path, null, "expected a mapping with the " + kind + "'s type and keys, e.g. {type: "
                    + providers.keySet().stream().findFirst().orElse("...") + "}");
        }
        Object typeRaw = entry.get(ConfigDef.TYPE_KEY);
        String type = typeRaw == null ? defaultType : String.valueOf(typeRaw);
        if (type == null) {
            throw new ConfigException(path + ".type", null, "required: one of " + String.join(", ", providers.keySet()));
        }
        P provider = providers.get(type);
        if (provider == null) {
            throw new ConfigException(path + ".type", type, "unknown " + kind + " type; found on the class path: "
                    + String.join(", ", providers.keySet()));
        }
        ConfigDef keys = shared == null ? provider.configDef()
                : ConfigDef.builder(kind, type).include(shared).include(provider.configDef()).build();
        return new ComponentSpec<>(kind, provider, keys.parse(entry, path));
    }

    /**
     * A {@link ConfigDef.Parser} for a list of components of one kind, for a key such as a source's
     * {@code processors}: every entry is read, and every problem of every entry reported.
     */
    public static <P extends ComponentProvider<?>> ConfigDef.Parser<List<ComponentSpec<P>>> listParser(
            String kind, Map<String, P> providers, ConfigDef shared) {
        return listParser(kind, providers, shared, spec -> {
        });
    }

    /**
     * Like {@link #listParser(String, Map, ConfigDef)}, and runs {@code check} on every entry whose keys parsed
     * (e.g. creating it once, when creating is free of side effects), its {@link ConfigException}s reported with
     * the other problems.
     */
    public static <P extends ComponentProvider<?>> ConfigDef.Parser<List<ComponentSpec<P>>> listParser(
            String kind, Map<String, P> providers, ConfigDef shared, java.util.function.Consumer<ComponentSpec<P>> check) {
        return (raw, path) -> {
            if (!(raw instanceof List<?> list)) {
                throw new ConfigException(path, null, "expected a list of " + kind + "s, each a mapping with its type");
            }
            List<ComponentSpec<P>> specs = new ArrayList<>();
            List<ConfigException.Problem> problems = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                try {
                    ComponentSpec<P> spec = parse(kind, providers, shared, list.get(i), path + "[" + i + "]", null);
                    check.accept(spec);
                    specs.add(spec);
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return List.copyOf(specs);
        };
    }

    /** The keys of every provider, for docs: {@code type -> keys} (shared keys first). */
    public static <P extends ComponentProvider<?>> Map<String, ConfigDef> keys(String kind, Map<String, P> providers, ConfigDef shared) {
        Map<String, ConfigDef> out = new LinkedHashMap<>();
        providers.forEach((type, p) -> out.put(type, shared == null ? p.configDef()
                : ConfigDef.builder(kind, type).include(shared).include(p.configDef()).build()));
        return out;
    }
}
