package io.polybus.cli;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.polybus.Config;

import java.util.UUID;

/**
 * The shared NATS with JetStream at 127.0.0.1:4222, under a stream and subject prefix per test that
 * {@link #cleanUp} deletes.
 */
final class NatsBrokerForTests {
    private static final String URL = "nats://127.0.0.1:4222";
    final String prefix = "polybus-agent-test-" + UUID.randomUUID().toString().substring(0, 8) + "-";

    Config config() {
        return Config.of("type", "nats", "servers", URL, "stream-prefix", prefix, "subject-prefix", prefix + ".");
    }

    void cleanUp() throws Exception {
        try (Connection c = Nats.connect(URL)) {
            JetStreamManagement jsm = c.jetStreamManagement();
            for (String name : jsm.getStreamNames()) {
                if (name.startsWith(prefix)) {
                    jsm.deleteStream(name);
                }
            }
        }
    }
}
