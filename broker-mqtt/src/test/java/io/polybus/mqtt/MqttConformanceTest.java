package io.polybus.mqtt;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;

import java.util.UUID;

/**
 * The whole contract against the shared Mosquitto at 127.0.0.1:1883. Topics and groups are unique per test; the
 * client ids carry a run id, and sessions expire a minute after the test closed them, so nothing is left behind.
 * Sends are not mandatory here: the suite sends to topics no group subscribed to and expects those sends to
 * succeed, as on the other brokers.
 */
class MqttConformanceTest extends BrokerConformanceSuite {
    private final String clientId = "polybus-conformance-" + UUID.randomUUID().toString().substring(0, 8);

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "mqtt", "host", "127.0.0.1", "port", "1883", "client-id", clientId,
                "session-expiry", "60s", "mandatory", "false");
    }
}
