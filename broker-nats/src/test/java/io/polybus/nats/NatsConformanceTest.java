package io.polybus.nats;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole contract against the shared NATS with the default stream settings (file storage, limits retention),
 * in streams and subjects of this run's own, deleted afterwards. A short ack wait makes redelivery after a
 * consumer vanished quick.
 */
class NatsConformanceTest extends BrokerConformanceSuite {
    private static final String PREFIX = SharedNats.newPrefix("conformance");

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "nats", "servers", SharedNats.URL, "stream-prefix", PREFIX, "subject-prefix",
                PREFIX + ".", "ack-wait", "2s");
    }

    @AfterAll
    static void deleteStreams() throws Exception {
        SharedNats.deleteStreams(SharedNats.URL, PREFIX);
    }
}
