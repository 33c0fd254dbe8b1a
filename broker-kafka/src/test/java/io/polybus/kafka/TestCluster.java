package io.polybus.kafka;

import io.polybus.Config;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An in-process single-node Kafka (KRaft, broker and controller in one) for tests. {@link #shared()} is the one
 * that classes annotated {@code @ExtendWith(TestCluster.Shared.class)} share: started before the first of them,
 * stopped by JUnit when the whole run ends (a resource of the root context), while the test JVM is still whole
 * rather than in a shutdown hook racing its exit. Tests that stop the broker start their own. A broker inside the
 * test JVM must never end it, so Kafka's exit and halt fail loudly instead.
 */
final class TestCluster implements AutoCloseable {
    private static volatile TestCluster shared;

    final KafkaClusterTestKit kit;

    private TestCluster() throws Exception {
        kit = startSingleNode(singleNode().setConfigProp("offsets.topic.num.partitions", "3"));
    }

    /**
     * A builder of one combined broker and controller with what a single node needs (replication factors of 1)
     * and quick group joins; add listeners or other settings, then {@link #startSingleNode}.
     */
    static KafkaClusterTestKit.Builder singleNode() {
        return new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("group.min.session.timeout.ms", "1000");
    }

    /** Builds, formats and starts the cluster, and waits until its broker is ready; Kafka may not end the JVM. */
    static KafkaClusterTestKit startSingleNode(KafkaClusterTestKit.Builder builder) throws Exception {
        forbidExit();
        KafkaClusterTestKit kit = builder.build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return kit;
    }

    /** Makes Kafka's exit and halt fail loudly: a broker inside the test JVM must never end it. */
    private static void forbidExit() {
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("in-process Kafka asked to exit the test JVM (" + code + "): " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("in-process Kafka asked to halt the test JVM (" + code + "): " + message);
        });
    }

    /** A new cluster of its own; close it when done. */
    static TestCluster start() {
        try {
            return new TestCluster();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start an in-process Kafka", e);
        }
    }

    /** The cluster shared by the test classes extended with {@link Shared}. */
    static TestCluster shared() {
        TestCluster running = shared;
        if (running == null) {
            throw new IllegalStateException("no shared in-process Kafka: annotate the test class with "
                    + "@ExtendWith(TestCluster.Shared.class)");
        }
        return running;
    }

    /** Starts the shared cluster before the first class that needs it and stops it when the test run ends. */
    static final class Shared implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .getOrComputeIfAbsent(TestCluster.class, k -> {
                        TestCluster started = start();
                        shared = started;
                        return (ExtensionContext.Store.CloseableResource) () -> {
                            shared = null;
                            started.close();
                        };
                    }, ExtensionContext.Store.CloseableResource.class);
        }
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
