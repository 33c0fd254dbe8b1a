package io.polybus.cli.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.time.Duration;

/**
 * The {@code metrics:} section: where the Prometheus and health endpoint listens and when health turns bad.
 *
 * @param enabled         whether to serve at all
 * @param bind            address to listen on (loopback by default: only this machine can scrape)
 * @param port            port (0 picks a free one)
 * @param brokerDownAfter how long the broker may be unreachable before {@code /health} fails
 * @param ackStuckAfter   how long acknowledgements may be pending with none completing
 */
record MetricsConfig(boolean enabled, String bind, int port, Duration brokerDownAfter, Duration ackStuckAfter) {

    static final ConfigDef KEYS = ConfigDef.builder("section", "metrics")
            .define("enabled", Type.BOOLEAN, "true", "Whether to serve `/metrics` and `/health` at all (a `metrics:` section turns them on).")
            .define("bind", Type.STRING, "127.0.0.1", ConfigDef.nonEmpty(), "The address to listen on; the default lets only this machine scrape.")
            .define("port", Type.INT, "9464", ConfigDef.between(0, 65535), "The port; 0 picks a free one.")
            .define("broker-down-after", Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long the broker may be unreachable before `/health` answers 503.")
            .define("ack-stuck-after", Type.DURATION, "2m", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long acknowledgements may be pending, none completing, before `/health` answers 503.")
            .build();

    static MetricsConfig of(ProviderConfig c) {
        return new MetricsConfig(c.getBoolean("enabled"), c.getString("bind"), c.getInt("port"),
                c.getDuration("broker-down-after"), c.getDuration("ack-stuck-after"));
    }
}
