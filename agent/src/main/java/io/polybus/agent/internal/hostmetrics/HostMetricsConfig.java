package io.polybus.agent.internal.hostmetrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.ConfigException;
import io.polybus.monitor.internal.ConfigBinder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code host-metrics:} section: publish this machine's figures as events, so rules can watch hosts
 * without logs.
 *
 * @param enabled  whether to publish (default false)
 * @param interval time between events (default 10s)
 * @param topic    where events go (default {@code logs})
 * @param host     the events' {@code host} (default: this machine's name)
 * @param disks    mount points whose space is reported (default {@code /})
 */
public record HostMetricsConfig(Boolean enabled, Duration interval, String topic, String host, List<String> disks) {

    public HostMetricsConfig {
        enabled = enabled != null && enabled;
        interval = interval == null ? Duration.ofSeconds(10) : interval;
        topic = topic == null ? "logs" : topic;
        disks = disks == null ? List.of("/") : List.copyOf(disks);
    }

    /**
     * Binds and validates a {@code host-metrics:} section (a missing section gives the defaults: disabled).
     *
     * @throws ConfigException naming the bad key under {@code path}
     */
    public static HostMetricsConfig bind(JsonNode section, String path) {
        HostMetricsConfig c = ConfigBinder.bind(section, path, HostMetricsConfig.class);
        List<ConfigException.Problem> problems = new ArrayList<>();
        if (c.interval().toMillis() < 100) {
            problems.add(new ConfigException.Problem(path + ".interval", c.interval().toString(), "at least 100ms"));
        }
        if (c.topic().isBlank()) {
            problems.add(new ConfigException.Problem(path + ".topic", c.topic(), "must not be blank"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return c;
    }
}
