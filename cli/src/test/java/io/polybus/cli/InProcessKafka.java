package io.polybus.cli;

import io.polybus.Config;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process single-node Kafka per test run, for classes that {@code @ExtendWith} this: started before the
 * first of them, stopped by JUnit when the whole run ends (a resource of the root context), so it is closed
 * while the test JVM is still whole rather than in a shutdown hook racing the JVM's exit. A broker running
 * inside the test JVM must never end it, so Kafka's exit and halt fail loudly instead.
 */
final class InProcessKafka implements BeforeAllCallback {
    private static volatile KafkaClusterTestKit kit;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(InProcessKafka.class, k -> start(), Running.class);
    }

    /** Closes the cluster when the test run ends. */
    private record Running(KafkaClusterTestKit started) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Exception {
            kit = null;
            started.close();
        }
    }

    private static Running start() {
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("in-process Kafka asked to exit the test JVM (" + code + "): " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("in-process Kafka asked to halt the test JVM (" + code + "): " + message);
        });
        try {
            KafkaClusterTestKit started = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            started.format();
            started.startup();
            started.waitForReadyBrokers();
            kit = started;
            return new Running(started);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start an in-process Kafka", e);
        }
    }

    /** One partition per topic: the agent's order per file is then the topic's order. */
    static Config config() {
        KafkaClusterTestKit running = kit;
        if (running == null) {
            throw new IllegalStateException("no in-process Kafka: annotate the test class with @ExtendWith(InProcessKafka.class)");
        }
        return Config.of("type", "kafka", "bootstrap-servers", running.bootstrapServers(), "partitions", "1");
    }
}
