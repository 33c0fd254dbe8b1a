package io.polybus.bench.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The versions the benchmark was built with (filtered into {@code versions.properties} by Maven). */
final class Versions {
    private static final Properties VERSIONS = load();

    private Versions() {
    }

    /** The version of {@code name} (polybus, kafka-clients, amqp-client, jedis, jnats, artemis-core-client, hdrhistogram, xchart), or "unknown". */
    static String get(String name) {
        return VERSIONS.getProperty(name, "unknown");
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream("/io/polybus/bench/versions.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
