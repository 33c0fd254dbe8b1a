package io.polybus.bench;

import io.polybus.bench.internal.BenchRun;
import io.polybus.bench.internal.RunResult;
import io.polybus.bench.internal.Target;
import io.polybus.bench.internal.Workload;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short keyed workload through each target against a real broker: Kafka in-process (KafkaClusterTestKit),
 * RabbitMQ and Redis the shared local ones (every run uses fresh topic, queue, stream and group names and
 * deletes them). Each run must deliver every message to both groups, and a run with an injected loss must
 * report exactly that loss. A Polybus provider joins by adding its line to {@link #targets()}; its provider
 * settings go under {@code polybus:} in {@link #workload}.
 */
class BrokerBenchTest {
    private static KafkaClusterTestKit kafka;

    static Stream<Arguments> targets() {
        return Stream.of(
                Arguments.of("memory", Target.POLYBUS),
                Arguments.of("kafka", Target.RAW),
                Arguments.of("rabbitmq", Target.RAW),
                Arguments.of("redis", Target.RAW));
    }

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0").build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Workload workload(int injectedLoss) {
        String bootstrap = kafka.bootstrapServers();
        return Workload.parse("""
                name: broker-test
                partitions: 2
                message-size: 100
                keys: 8
                producers: 2
                groups: 2
                rate: 1000
                warmup: 500ms
                duration: 1500ms
                drain-timeout: %s
                brokers:
                  kafka:
                    bootstrap-servers: %s
                    polybus: {bootstrap-servers: %s}
                """.formatted(injectedLoss > 0 ? "5s" : "30s", bootstrap, bootstrap), null).withInjectedLoss(injectedLoss);
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("targets")
    void shortRunDeliversEveryMessageToEveryGroup(String broker, String client) throws Exception {
        RunResult run = new BenchRun(new Target(broker, client), workload(0), 1000, s -> { }).run();

        assertEquals(RunResult.Status.OK, run.status(), run::error);
        assertEquals(0, run.lost());
        assertEquals(0, run.duplicated());
        assertEquals(2 * run.sent(), run.received(), "two groups each receive every message once");
        assertTrue(run.e2eIntended().getTotalCount() > 0);
        assertTrue(run.provenance().containsKey("client"), () -> run.provenance().toString());
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("targets")
    void injectedLossIsDetected(String broker, String client) throws Exception {
        Workload lossy = workload(2);
        RunResult run = new BenchRun(new Target(broker, client), lossy, 1000, s -> { }).run();

        assertEquals(RunResult.Status.LOST, run.status(), run::error);
        assertEquals(2 * 2, run.lost(), "two messages missing in each of two groups");
    }
}
