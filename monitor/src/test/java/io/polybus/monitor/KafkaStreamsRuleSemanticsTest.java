package io.polybus.monitor;

import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rule semantics on Kafka Streams ({@code engine: kafka-streams}), through an in-process Kafka with a 3-partition
 * events topic; and the one sentence a broker other than Kafka gets.
 */
class KafkaStreamsRuleSemanticsTest extends RuleSemanticsSuite {
    private static KafkaClusterTestKit kafka;
    private Broker broker;

    @BeforeAll
    static void startKafka() throws Exception {
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("in-process Kafka asked to exit the test JVM (" + code + "): " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("in-process Kafka asked to halt the test JVM (" + code + "): " + message);
        });
        kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "3")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("group.min.session.timeout.ms", "1000").build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @BeforeEach
    void openBroker() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        broker = Brokers.open(Config.of("type", "kafka", "bootstrap-servers", kafka.bootstrapServers(),
                "partitions", "3"));
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    @Override
    Broker broker() {
        return broker;
    }

    @Override
    String engineKeys() {
        return "  engine: kafka-streams\n  kafka-streams.bootstrap.servers: " + kafka.bootstrapServers() + "\n"
                + "  kafka-streams.commit.interval.ms: 50\n";
    }

    @Override
    void awaitReady() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                        .get(10, TimeUnit.SECONDS);
                return d.groupState() == GroupState.STABLE
                        && d.members().stream().anyMatch(m -> !m.assignment().topicPartitions().isEmpty());
            });
        }
    }

    @Test
    void aRestartedMonitorKeepsTheFiringAbsenceOfASilentStream() {
        start("""
                    - {name: no-teapots, type: absence, where: {field: status, equals: 418}, for: 1m}
                """);
        send(Duration.ofSeconds(0), "web-1", 200, "10.0.0.1", 0.1);
        send(Duration.ofSeconds(90), "web-1", 200, "10.0.0.1", 0.1);
        Alert fired = firing(null);
        restart();
        send(Duration.ofSeconds(200), "web-1", 200, "10.0.0.1", 0.1);
        send(Duration.ofSeconds(210), "web-1", 418, "10.0.0.1", 0.1);
        resolved(fired);
        // Had the restart lost the rule's state, the silence would have fired again under a new id before the 418.
        assertEquals(List.of(fired.id(), fired.id()), notices.stream().map(Alert::id).toList(), notices.toString());
    }

    @Test
    void createsTheAlertsTopicWithItsConfiguredPartitions() throws Exception {
        MonitorConfig config = MonitorYaml.parse("monitor:\n  topic: " + topic + "\n  group: " + group
                + "\n  alerts-partitions: 2\n  notifiers: []\n" + engineKeys()
                + "  rules:\n    - {name: errors, type: threshold, window: 1m, above: 4}\n");
        try (Monitor monitor = Monitor.builder(broker, config).start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            // a topic just created may not be known to every request yet
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> assertEquals(2,
                    admin.describeTopics(List.of(group + "-alerts")).allTopicNames().get(10, TimeUnit.SECONDS)
                            .get(group + "-alerts").partitions().size()));
        }
    }

    @Test
    void refusesAnEventsTopicThatDoesNotExist() {
        MonitorConfig config = MonitorYaml.parse("monitor:\n  topic: missing-" + topic + "\n  notifiers: []\n"
                + engineKeys() + "  rules:\n    - {name: errors, type: threshold, window: 1m, above: 4}\n");
        io.polybus.ConfigException e = assertThrows(io.polybus.ConfigException.class,
                () -> Monitor.builder(broker, config).start());
        assertTrue(e.getMessage().contains("monitor.topic: 'missing-" + topic + "' is not valid; the topic does not "
                + "exist"), e.getMessage());
    }

    @Test
    void refusesABrokerOtherThanKafkaInOneSentence() {
        MonitorConfig config = MonitorYaml.parse("monitor:\n  topic: " + topic + "\n  notifiers: []\n" + engineKeys()
                + "  rules:\n    - {name: errors, type: threshold, window: 1m, above: 4}\n");
        try (Broker memory = Brokers.open(Config.of("type", "memory", "name", "semantics-" + topic))) {
            io.polybus.ConfigException e = assertThrows(io.polybus.ConfigException.class,
                    () -> Monitor.builder(memory, config).start());
            assertEquals("invalid configuration: monitor.engine: 'kafka-streams' is not valid; it runs the rules on "
                    + "Kafka Streams and needs broker type 'kafka', not 'memory'; on this broker run one monitor per "
                    + "group with engine: embedded", e.getMessage());
        }
    }
}
