package io.polybus.agent;

import io.polybus.Config;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** One in-process single-node Kafka per test JVM, stopped when the JVM exits. */
final class InProcessKafka {
    private static KafkaClusterTestKit kit;

    private InProcessKafka() {
    }

    static synchronized String bootstrapServers() {
        if (kit == null) {
            try {
                kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("offsets.topic.num.partitions", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .build();
                kit.format();
                kit.startup();
                kit.waitForReadyBrokers();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start an in-process Kafka", e);
            }
            KafkaClusterTestKit started = kit;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (Exception ignored) {
                    // the JVM is going away
                }
            }));
        }
        return kit.bootstrapServers();
    }

    /** One partition per topic: the agent's order per file is then the topic's order. */
    static Config config() {
        return Config.of("type", "kafka", "bootstrap-servers", bootstrapServers(), "partitions", "1");
    }
}
