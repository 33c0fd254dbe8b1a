package io.polybus.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.ConfigException;
import io.polybus.monitor.internal.ConfigBinder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code metrics:} section: where the Prometheus and health endpoint listens and when health turns bad.
 *
 * @param enabled         whether to serve at all (default true)
 * @param bind            address to listen on (default 127.0.0.1: only this machine can scrape)
 * @param port            port (default 9464; 0 picks a free one)
 * @param brokerDownAfter how long the broker may be unreachable before {@code /health} fails (default 30s)
 * @param ackStuckAfter   how long acknowledgements may be pending with none completing (default 2m)
 */
public record MetricsConfig(Boolean enabled, String bind, Integer port, Duration brokerDownAfter, Duration ackStuckAfter) {

    public MetricsConfig {
        enabled = enabled == null || enabled;
        bind = bind == null ? "127.0.0.1" : bind;
        port = port == null ? 9464 : port;
        brokerDownAfter = brokerDownAfter == null ? Duration.ofSeconds(30) : brokerDownAfter;
        ackStuckAfter = ackStuckAfter == null ? Duration.ofMinutes(2) : ackStuckAfter;
    }

    /** The defaults. */
    public static MetricsConfig defaults() {
        return new MetricsConfig(null, null, null, null, null);
    }

    /**
     * Binds and validates a {@code metrics:} section (a missing section gives the defaults).
     *
     * @throws ConfigException naming the bad key under {@code path}
     */
    public static MetricsConfig bind(JsonNode section, String path) {
        MetricsConfig c = ConfigBinder.bind(section, path, MetricsConfig.class);
        List<ConfigException.Problem> problems = new ArrayList<>();
        if (c.port() < 0 || c.port() > 65535) {
            problems.add(new ConfigException.Problem(path + ".port", String.valueOf(c.port()), "a port from 0 to 65535"));
        }
        if (c.bind().isBlank()) {
            problems.add(new ConfigException.Problem(path + ".bind", c.bind(), "an address such as 127.0.0.1 or 0.0.0.0"));
        }
        if (c.brokerDownAfter().isZero() || c.brokerDownAfter().isNegative()) {
            problems.add(new ConfigException.Problem(path + ".broker-down-after", c.brokerDownAfter().toString(), "more than 0"));
        }
        if (c.ackStuckAfter().isZero() || c.ackStuckAfter().isNegative()) {
            problems.add(new ConfigException.Problem(path + ".ack-stuck-after", c.ackStuckAfter().toString(), "more than 0"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return c;
    }
}
