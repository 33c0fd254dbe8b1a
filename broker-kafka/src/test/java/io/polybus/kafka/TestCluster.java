package io.polybus.kafka;

import io.polybus.Config;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * An in-process single-node Kafka (KRaft, broker and controller in one) for tests. {@link #shared()} is
 * started once per test JVM and stopped when it exits; tests that stop the broker start their own.
 */
final class TestCluster implements AutoCloseable {
    private static TestCluster shared;

    final KafkaClusterTestKit kit;

    private TestCluster() throws Exception {
        kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "3")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("group.min.session.timeout.ms", "1000")
                .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
    }

    /** A new cluster of its own; close it when done. */
    static TestCluster start() {
        try {
            return new TestCluster();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start an in-process Kafka", e);
        }
    }

    /** The cluster shared by the tests of this JVM. */
    static synchronized TestCluster shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    String bootstrapServers() {
        return kit.bootstrapServers();
    }

    /** A broker configuration for this cluster: 3 partitions per topic, quick group rebalances. */
    Config config() {
        return Config.of("type", "kafka", "bootstrap-servers", bootstrapServers(), "partitions", "3",
                "kafka.heartbeat.interval.ms", "500");
    }

    @Override
    public void close() {
        try {
            kit.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the in-process Kafka", e);
        }
    }
}
