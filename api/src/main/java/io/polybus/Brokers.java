package io.polybus;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.polybus.internal.GuardedBroker;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Opens brokers by configuration alone. Providers are found on the class path with
 * {@link ServiceLoader}; {@code type} picks one:
 *
 * <pre>{@code
 * try (Broker broker = Brokers.open(Config.fromYaml(Path.of("polybus.yaml")).section("broker"))) { ... }
 * }</pre>
 *
 * <p>The environment variable {@code POLYBUS_BROKER_TYPE} overrides {@code type}, and
 * {@code POLYBUS_BROKER_<KEY>} overrides any key (see {@link ConfigDef}), so one build switches brokers
 * without a code change.
 */
public final class Brokers {
    private Brokers() {
    }

    /** Opens the broker {@code config} describes, registering meters with Micrometer's global registry. */
    public static Broker open(Config config) {
        return open(config, Metrics.globalRegistry);
    }

    /**
     * Opens the broker {@code config} describes.
     *
     * @throws ConfigException            naming the unknown type (and the types found), or every bad key
     * @throws BrokerUnavailableException when the broker cannot be reached
     */
    public static Broker open(Config config, MeterRegistry meters) {
        Map<String, String> env = System.getenv();
        BrokerProvider provider = provider(config, env);
        ProviderConfig parsed = provider.configDef().parse(config, env);
        return new GuardedBroker(provider.open(parsed, meters));
    }

    /**
     * Checks {@code config} without connecting: the type exists and every key is known and valid.
     *
     * @return every problem, empty when {@link #open} would accept it
     */
    public static List<ConfigException.Problem> validate(Config config) {
        Map<String, String> env = System.getenv();
        try {
            return provider(config, env).configDef().validate(config, env);
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    /**
     * The {@code broker:} section of a file's tree ({@link Config#readYaml}) as flat configuration, {@code type}
     * defaulting to {@code memory}, validated as {@link #validate} does.
     *
     * @param path the section's path, prefixed to every problem's key
     * @throws ConfigException naming every problem
     */
    public static Config section(Object raw, String path) {
        if (raw != null && !(raw instanceof Map<?, ?>)) {
            throw new ConfigException(path, null, "expected a mapping such as {type: kafka, bootstrap-servers: ...}");
        }
        Config config = raw == null ? Config.empty() : Config.of(stringKeys((Map<?, ?>) raw));
        if (!config.contains(ConfigDef.TYPE_KEY)) {
            config = config.with(ConfigDef.TYPE_KEY, "memory");
        }
        List<ConfigException.Problem> problems = validate(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream()
                    .map(p -> new ConfigException.Problem(path + "." + p.key(), p.value(), p.accepted())).toList());
        }
        return config;
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    /** Every provider found on the class path, sorted by type. */
    public static List<BrokerInfo> available() {
        return providers().stream()
                .map(p -> new BrokerInfo(p.type(), p.description(), p.capabilities()))
                .sorted(Comparator.comparing(BrokerInfo::type))
                .toList();
    }

    /** The configuration keys of a provider type, for documentation and validation. */
    public static Optional<ConfigDef> configDef(String type) {
        return providers().stream().filter(p -> p.type().equals(type)).findFirst().map(BrokerProvider::configDef);
    }

    private static BrokerProvider provider(Config config, Map<String, String> env) {
        String type = Optional.ofNullable(env.get(ConfigDef.ENV_PREFIX + "TYPE"))
                .or(() -> config.get(ConfigDef.TYPE_KEY))
                .map(String::trim)
                .orElse(null);
        List<BrokerProvider> found = providers();
        String known = found.stream().map(BrokerProvider::type).sorted().collect(Collectors.joining(", "));
        if (type == null || type.isEmpty()) {
            throw new ConfigException(ConfigDef.TYPE_KEY, null, "required; broker types found on the class path: " + known);
        }
        return found.stream().filter(p -> p.type().equalsIgnoreCase(type)).findFirst()
                .orElseThrow(() -> new ConfigException(ConfigDef.TYPE_KEY, type, "unknown broker type; types found on the class path: "
                        + (known.isEmpty() ? "none (add a polybus-broker-* module)" : known)));
    }

    private static List<BrokerProvider> providers() {
        List<BrokerProvider> list = new ArrayList<>();
        ServiceLoader.load(BrokerProvider.class, Brokers.class.getClassLoader()).forEach(list::add);
        return list;
    }
}
