package io.polybus.bench.internal;

import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The workload's {@code brokers:} mapping: per broker type, the raw client's connection settings (the keys of
 * that raw driver) and, under {@code polybus}, the provider configuration handed to {@code Brokers.open}. The
 * provider configuration is checked against the provider's own keys when the provider is on the class path, so
 * a misspelt provider key is a configuration error before any run, not a failed run. Stateless.
 */
final class BrokerSettings {
    /** The key of the provider configuration under each broker type. */
    static final String POLYBUS = "polybus";

    /** Lists of {@code host:port}, for {@code bootstrap-servers}. */
    static final ConfigDef.Validator HOST_PORTS = v -> !((List<?>) v).isEmpty()
            && ((List<?>) v).stream().allMatch(a -> hostPort(String.valueOf(a)) != null)
            ? null : "a list of host:port, such as localhost:9092";

    /** The keys of a broker type without a raw baseline (memory, or any other provider). */
    static final ConfigDef POLYBUS_ONLY = keysFor("<type>");

    private BrokerSettings() {
    }

    /** The keys under {@code brokers.<type>}: the raw driver's, else {@code polybus} alone. */
    static ConfigDef keys(String type) {
        RawBaseline baseline = RawBaseline.ALL.get(type);
        return baseline != null ? baseline.keys() : keysFor(type);
    }

    private static ConfigDef keysFor(String type) {
        return builder(type).include(polybus(type)).build();
    }

    /** Keys under {@code brokers.<type>}: a raw driver defines its own, then includes {@link #polybus}. */
    static ConfigDef.Builder builder(String type) {
        return ConfigDef.builder("broker settings", type);
    }

    /** The {@code polybus} key of {@code brokers.<type>}. */
    static ConfigDef polybus(String type) {
        return builder(type)
                .defineParsed(POLYBUS, "a mapping of the provider's keys", (raw, path) -> provider(type, raw, path),
                        "The provider configuration handed to `Brokers.open` (`type: " + type + "` implied), checked "
                                + "against the provider's keys when it is on the class path; default: its defaults.")
                .build();
    }

    /**
     * Reads the {@code brokers:} mapping.
     *
     * @throws ConfigException naming every bad key of every broker type with its path
     */
    static Map<String, ProviderConfig> parse(Object raw, String path) {
        if (!(raw instanceof Map<?, ?> types)) {
            throw new IllegalArgumentException();
        }
        List<ConfigException.Problem> problems = new ArrayList<>();
        Map<String, ProviderConfig> out = new LinkedHashMap<>();
        types.forEach((t, settings) -> {
            String type = String.valueOf(t);
            String where = path + "." + type;
            if (settings != null && !(settings instanceof Map<?, ?>)) {
                problems.add(new ConfigException.Problem(where, null, "expected a mapping of settings"));
                return;
            }
            try {
                out.put(type, keys(type).parse((Map<?, ?>) settings, where));
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return Collections.unmodifiableMap(out);
    }

    /** The settings of {@code type} when the workload has none: every key's default. */
    static ProviderConfig defaults(String type) {
        return keys(type).parse(Map.of(), "brokers." + type);
    }

    /** {@code host:port} as an unresolved address, or null when it is not one. */
    static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 1) {
            return null;
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            return port >= 1 && port <= 65_535 ? InetSocketAddress.createUnresolved(text.substring(0, colon), port) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Config provider(String type, Object raw, String path) {
        if (!(raw instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException();
        }
        Map<String, Object> keys = new LinkedHashMap<>();
        map.forEach((k, v) -> keys.put(String.valueOf(k), v));
        Config config = Config.of(keys).with(ConfigDef.TYPE_KEY, type);
        // Environment overrides are applied when the broker opens, as for any Brokers.open.
        List<ConfigException.Problem> problems = Brokers.configDef(type)
                .map(def -> def.validate(config, Map.of()))
                .orElse(List.of());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream()
                    .map(p -> new ConfigException.Problem(path + "." + p.key(), p.value(), p.accepted())).toList());
        }
        return config;
    }
}
