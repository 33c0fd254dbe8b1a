package io.polybus.cli.internal;

import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.agent.AgentConfig;
import io.polybus.monitor.MonitorConfig;
import io.polybus.sinks.SinksConfig;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A Polybus configuration file, every section read and checked at once: the agent's ({@code agent},
 * {@code delivery}, {@code sources}, {@code broker}), {@code monitor}, {@code sinks}, {@code metrics} and
 * {@code console}. A file runs what it has: sources, a monitor, sinks, beside one broker. Every problem of every
 * section and component is reported together, each with its path.
 *
 * @param broker  the broker section, {@code type} defaulting to {@code memory}
 * @param agent   the sources and delivery, or null when the file has no {@code sources}
 * @param monitor the monitor, or null
 * @param sinks   the sinks, or null
 * @param metrics the metrics endpoint, or null when the file has no {@code metrics} section
 * @param console what the agent prints for people
 */
record PolybusFile(Config broker, AgentConfig agent, MonitorConfig monitor, SinksConfig sinks, MetricsConfig metrics,
                   ConsoleConfig console) {

    /** The sections the command line reads beside the agent's. */
    static final Set<String> OWN_SECTIONS = Set.of("monitor", "sinks", "metrics", "console");
    private static final String STREAMS_SERVERS = "kafka-streams.bootstrap.servers";

    /** @throws ConfigException naming the file when it cannot be read, and every problem of its content */
    static PolybusFile read(Path file, Function<String, String> environment, CliPlugins plugins) {
        return parse(Config.readFile(file), environment, plugins);
    }

    /** @throws ConfigException listing every problem */
    static PolybusFile parse(String yaml, Function<String, String> environment, CliPlugins plugins) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Map<String, Object> doc = Config.readYaml(yaml, environment, problems);
        AgentConfig agent = null;
        Config broker = null;
        if (doc.containsKey("sources") || !doc.containsKey("monitor") && !doc.containsKey("sinks")) {
            agent = collect(problems, () -> AgentConfig.parse(doc, environment, OWN_SECTIONS));
            broker = agent == null ? null : agent.broker();
        } else {
            List<String> known = new ArrayList<>(AgentConfig.SECTIONS);
            known.addAll(OWN_SECTIONS);
            for (String key : doc.keySet()) {
                if (!known.contains(key)) {
                    problems.add(new ConfigException.Problem(key, null, "unknown key; known keys here: " + String.join(", ", known)));
                }
            }
            broker = collect(problems, () -> Brokers.section(doc.get("broker"), "broker"));
        }
        Object monitorSection = withStreamsServers(doc.get("monitor"), broker);
        MonitorConfig monitor = doc.containsKey("monitor")
                ? collect(problems, () -> MonitorConfig.parse(monitorSection, "monitor", plugins.notifiers)) : null;
        SinksConfig sinks = doc.containsKey("sinks")
                ? collect(problems, () -> SinksConfig.parse(doc.get("sinks"), "sinks", plugins.sinks)) : null;
        ProviderConfig metrics = doc.containsKey("metrics") ? section(MetricsConfig.KEYS, doc, "metrics", problems) : null;
        ProviderConfig console = section(ConsoleConfig.KEYS, doc, "console", problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new PolybusFile(broker, agent, monitor, sinks, metrics == null ? null : MetricsConfig.of(metrics),
                ConsoleConfig.of(console));
    }

    /**
     * The monitor section, with {@code kafka-streams.bootstrap.servers} taken from a Kafka broker section's
     * {@code bootstrap-servers} when the monitor runs on Kafka Streams without its own: one cluster, named once.
     */
    private static Object withStreamsServers(Object monitor, Config broker) {
        if (!(monitor instanceof Map<?, ?> section) || broker == null || !"kafka".equals(broker.get("type").orElse(null))
                || !"kafka-streams".equals(String.valueOf(section.get("engine")))) {
            return monitor;
        }
        Map<String, Object> keys = new LinkedHashMap<>();
        section.forEach((k, v) -> keys.put(String.valueOf(k), v));
        Optional<String> servers = broker.get("bootstrap-servers");
        if (servers.isEmpty() || Config.of(keys).contains(STREAMS_SERVERS)) {
            return monitor;
        }
        keys.put(STREAMS_SERVERS, servers.get());
        return keys;
    }

    private static ProviderConfig section(ConfigDef def, Map<String, Object> doc, String name, List<ConfigException.Problem> problems) {
        Object raw = doc.get(name);
        if (raw != null && !(raw instanceof Map<?, ?>)) {
            problems.add(new ConfigException.Problem(name, null, "expected a mapping of keys to values"));
            return def.parse(Map.of(), name);
        }
        ProviderConfig parsed = collect(problems, () -> def.parse((Map<?, ?>) raw, name));
        return parsed != null ? parsed : def.parse(Map.of(), name);
    }

    private static <T> T collect(List<ConfigException.Problem> problems, Supplier<T> section) {
        try {
            return section.get();
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
    }

    /** One line for people: what the file runs. */
    String summary() {
        List<String> parts = new ArrayList<>();
        if (agent != null) {
            parts.add(agent.sources().size() + " source(s) (" + String.join(", ", agent.sources().stream()
                    .map(s -> s.name() + ": " + s.type()).toList()) + ")");
        }
        if (monitor != null) {
            parts.add("monitor on '" + monitor.topic() + "' (" + monitor.rules().size() + " rules, "
                    + monitor.notifiers().size() + " notifiers)");
        }
        if (sinks != null) {
            parts.add("sinks on '" + sinks.topic() + "' (" + String.join(", ", sinks.outputs().stream()
                    .map(o -> SinksConfig.name(o) + ": " + o.type()).toList()) + ")");
        }
        parts.add("broker '" + broker.get("type").orElse("memory") + "'");
        return String.join(", ", parts);
    }
}
