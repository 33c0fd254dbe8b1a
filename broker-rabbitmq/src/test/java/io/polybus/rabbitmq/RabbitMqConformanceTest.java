package io.polybus.rabbitmq;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.AfterEach;

/**
 * The whole contract against the shared RabbitMQ at 127.0.0.1:5672 with the default queue type (classic,
 * shared by the consumers of a group). Publishes are not mandatory here: the suite sends to topics no group
 * subscribed to and expects those sends to succeed, as on the other brokers.
 */
class RabbitMqConformanceTest extends BrokerConformanceSuite {
    private final TestTopology topology = new TestTopology(5672);

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", "5672", "mandatory", "false",
                "connection-name", "polybus-conformance");
    }

    @Override
    protected String newTopic() {
        return topology.topic(super.newTopic());
    }

    @Override
    protected String newGroup() {
        return topology.group(super.newGroup());
    }

    @AfterEach
    void deleteTopology() throws Exception {
        broker.close();
        topology.deleteAll();
    }
}
