package io.polybus.rabbitmq;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.AfterEach;

/**
 * The whole contract with quorum queues and a single active consumer per group: attempts come from the
 * broker's delivery count, and the broker declares ORDERED_BY_KEY instead of PARTITIONED.
 */
class RabbitMqQuorumConformanceTest extends BrokerConformanceSuite {
    private final TestTopology topology = new TestTopology(5672);

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", "5672", "mandatory", "false",
                "queue-type", "quorum", "single-active-consumer", "true", "connection-name", "polybus-conformance-quorum");
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
