package io.polybus.cli;

import io.polybus.Config;
import io.polybus.mqtt.OwnMosquitto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;

/**
 * The agent on MQTT, chosen by configuration alone, through a Mosquitto of this class's own configured as
 * docs/mqtt.md recommends for at-least-once: no limit on what a session queues (Mosquitto's default drops a slow
 * consumer's messages past 1000, and the agent ships faster than one consumer reads).
 */
class MqttEndToEndTest extends AgentEndToEndTest {
    private static OwnMosquitto server;

    @BeforeAll
    static void startServer() throws IOException {
        server = OwnMosquitto.start("max_queued_messages 0");
    }

    @AfterAll
    static void stopServer() throws IOException {
        server.close();
    }

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "mqtt", "host", "127.0.0.1", "port", Integer.toString(server.port), "client-id",
                "agent-e2e");
    }
}
