package io.polybus.cli.internal;

import io.polybus.monitor.internal.ConfigBinder;
import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.agent.internal.hostmetrics.HostMetricsConfig;
import io.polybus.monitor.MonitorConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@code monitor.yaml}: {@code broker}, {@code monitor}, {@code metrics} and {@code host-metrics} sections.
 *
 * @param broker      the broker section as flat configuration, {@code type} defaulting to {@code memory}
 * @param monitor     the rules and notifiers
 * @param metrics     the metrics and health endpoint
 * @param hostMetrics the host-metrics source
 */
public record MonitorFile(Config broker, MonitorConfig monitor, MetricsConfig metrics, HostMetricsConfig hostMetrics) {
    private static final List<String> SECTIONS = List.of("broker", "monitor", "metrics", "host-metrics");

    /** @throws ConfigException naming every bad key of every section (the file's name included when unreadable) */
    public static MonitorFile read(Path file, Function<String, String> environment) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), null, "configuration file not found");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), null, "cannot read configuration file: " + e.getMessage());
        }
        return parse(text, environment);
    }

    /** @throws ConfigException naming every bad key of every section */
    public static MonitorFile parse(String yaml, Function<String, String> environment) {
        JsonNode tree = ConfigBinder.readYaml(yaml, environment);
        ConfigBinder.requireKnownKeys(tree, SECTIONS);
        List<ConfigException.Problem> problems = new ArrayList<>();
        Config broker = collect(problems, () -> {
            Config c = Config.fromYaml(yaml, environment).section("broker");
            return c.contains("type") ? c : c.with("type", "memory");
        });
        MonitorConfig monitor = collect(problems, () -> MonitorConfig.bind(tree.path("monitor"), "monitor"));
        MetricsConfig metrics = collect(problems, () -> MetricsConfig.bind(tree.path("metrics"), "metrics"));
        HostMetricsConfig host = collect(problems, () -> HostMetricsConfig.bind(tree.path("host-metrics"), "host-metrics"));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new MonitorFile(broker, monitor, metrics, host);
    }

    private static <T> T collect(List<ConfigException.Problem> problems, Supplier<T> section) {
        try {
            return section.get();
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        }
    }
}
