package io.polybus.cli.internal;

import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;

import java.time.Duration;
import java.util.Optional;

/**
 * The {@code metrics:} section: where the Prometheus and health endpoint listens and when health turns bad.
 *
 * @param enabled         whether to serve at all
 * @param bind            address to listen on (loopback by default: only this machine can scrape)
 * @param port            port (0 picks a free one)
 * @param brokerDownAfter how long the broker may be unreachable before {@code /health} fails
 * @param ackStuckAfter   how long acknowledgements may be pending with none completing
 * @param username        with {@code password}: HTTP basic authentication of every request
 * @param password        the password of {@code username}; never logged
 * @param tls             HTTPS, with client certificates when asked for
 */
record MetricsConfig(boolean enabled, String bind, int port, Duration brokerDownAfter, Duration ackStuckAfter,
                     Optional<String> username, Optional<Password> password, TlsSettings tls) {

    static final ConfigDef KEYS = ConfigDef.builder("section", "metrics")
            .define("enabled", Type.BOOLEAN, "true", "Whether to serve `/metrics` and `/health` at all (a `metrics:` section turns them on).")
            .define("bind", Type.STRING, "127.0.0.1", ConfigDef.nonEmpty(), "The address to listen on; the default lets only this machine scrape.")
            .define("port", Type.INT, "9464", ConfigDef.between(0, 65535), "The port; 0 picks a free one.")
            .define("broker-down-after", Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long the broker may be unreachable before `/health` answers 503.")
            .define("ack-stuck-after", Type.DURATION, "2m", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long acknowledgements may be pending, none completing, before `/health` answers 503.")
            .define("username", Type.STRING, null, "With `password`: every request must authenticate with HTTP basic"
                    + " authentication as this user (401 otherwise, counted).")
            .define("password", Type.PASSWORD, null, "The password of `username`; never logged. Use `${NAME}` or"
                    + " `${file:/path}`. Turn on `tls` when scrapers connect over a network.")
            .include(TlsSettings::defineServer)
            .build();

    /** Plain HTTP, without authentication. */
    MetricsConfig(boolean enabled, String bind, int port, Duration brokerDownAfter, Duration ackStuckAfter) {
        this(enabled, bind, port, brokerDownAfter, ackStuckAfter, Optional.empty(), Optional.empty(), null);
    }

    static MetricsConfig of(ProviderConfig c) {
        Optional<String> username = c.findString("username");
        Optional<Password> password = c.findPassword("password");
        if (username.isPresent() != password.isPresent()) {
            throw new ConfigException(c.pathOf(username.isPresent() ? "password" : "username"), null,
                    "missing: username and password go together");
        }
        return new MetricsConfig(c.getBoolean("enabled"), c.getString("bind"), c.getInt("port"),
                c.getDuration("broker-down-after"), c.getDuration("ack-stuck-after"), username, password,
                TlsSettings.forServer(c));
    }

    /** Whether the endpoint speaks HTTPS. */
    boolean https() {
        return tls != null && tls.enabled();
    }
}
