package io.polybus.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;

import java.security.SecureRandom;

/** The shared NATS at 127.0.0.1:4222, with a stream and subject prefix per test class so that cleanup touches only its streams. */
final class SharedNats {
    static final String URL = "nats://127.0.0.1:4222";

    private SharedNats() {
    }

    /** A prefix no other run uses, valid in stream names and subjects. */
    static String newPrefix(String what) {
        return "polybus-test-" + what + "-" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36) + "-";
    }

    /** Deletes every stream whose name starts with {@code prefix}. */
    static void deleteStreams(String url, String prefix) throws Exception {
        try (Connection c = Nats.connect(url)) {
            JetStreamManagement jsm = c.jetStreamManagement();
            for (String name : jsm.getStreamNames()) {
                if (name.startsWith(prefix)) {
                    jsm.deleteStream(name);
                }
            }
        }
    }
}
