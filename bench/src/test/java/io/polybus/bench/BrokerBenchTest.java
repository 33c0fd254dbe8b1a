package io.polybus.bench;

import io.polybus.artemis.ArtemisServer;
import io.polybus.artemis.SharedArtemis;
import io.polybus.bench.internal.JsonReport;
import io.polybus.bench.internal.Report;
import io.polybus.bench.internal.RunResult;
import io.polybus.bench.internal.Target;
import io.polybus.bench.internal.Workload;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code polybus bench} with a short keyed workload through each target against a real broker: Kafka in-process (KafkaClusterTestKit),
 * Artemis a broker of the test run's own (SharedArtemis), RabbitMQ and Redis the shared local ones (every run uses fresh topic, queue, stream and group names and
 * deletes them). Each run must deliver every message to both groups and write every output, with the consumers
 * running alongside the producers or after them (separate phases), and a run with an injected loss must fail
 * and report exactly that loss. A Polybus provider joins by adding its line to
 * {@link #targets()}; its provider settings go under {@code polybus:} in the workload of {@link #bench}.
 */
@ExtendWith(SharedArtemis.class)
class BrokerBenchTest {
    private static KafkaClusterTestKit kafka;

    static Stream<Arguments> targets() {
        return Stream.of(
                Arguments.of("memory", Target.POLYBUS),
                Arguments.of("kafka", Target.POLYBUS),
                Arguments.of("rabbitmq", Target.POLYBUS),
                Arguments.of("redis", Target.POLYBUS),
                Arguments.of("nats", Target.POLYBUS),
                Arguments.of("artemis", Target.POLYBUS),
                Arguments.of("kafka", Target.RAW),
                Arguments.of("rabbitmq", Target.RAW),
                Arguments.of("redis", Target.RAW),
                Arguments.of("nats", Target.RAW),
                Arguments.of("artemis", Target.RAW));
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

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs {@code polybus bench} on one target with a short keyed two-group workload; returns its report. */
    private Report bench(String broker, String client, int injectedLoss, int expectedExitCode) throws Exception {
        return bench(broker, List.of(client), "", injectedLoss, expectedExitCode);
    }

    /**
     * Runs {@code polybus bench} on {@code broker} with {@code clients} and the short keyed two-group workload plus
     * {@code extra} workload keys; checks the exit code and the files written, and returns the report.
     */
    private Report bench(String broker, List<String> clients, String extra, int injectedLoss, int expectedExitCode)
            throws Exception {
        String bootstrap = kafka.bootstrapServers();
        Path workload = dir.resolve("workload.yaml");
        Files.writeString(workload, """
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
                inject-loss: %d
                brokers:
                  kafka:
                    bootstrap-servers: %s
                    polybus: {bootstrap-servers: %s}
                  artemis:
                    port: %d
                    username: %s
                    password: %s
                    polybus: {host: 127.0.0.1, port: %5$d, username: %6$s, password: %7$s}
                """.formatted(injectedLoss > 0 ? "5s" : "30s", injectedLoss, bootstrap, bootstrap,
                SharedArtemis.server().port(), ArtemisServer.USER, ArtemisServer.PASSWORD) + extra);
        Path outDir = dir.resolve("out");
        int code = BenchMain.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "-w", workload.toString(), "--brokers", broker,
                "--clients", String.join(",", clients), "-o", outDir.toString(), "--no-progress");
        assertEquals(expectedExitCode, code, () -> out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
        for (String file : new String[] {"report.html", "publish-latency-1000.png", "throughput-1000.png"}) {
            assertTrue(Files.size(outDir.resolve(file)) > 0, file);
        }
        Report report = JsonReport.read(outDir.resolve("result.json"));
        assertEquals(report.runs().stream().anyMatch(RunResult::endToEndMeasured), Files.exists(outDir.resolve("e2e-latency-1000.png")),
                "an end-to-end chart exactly when end-to-end latency was measured");
        return report;
    }

    @Test
    void polybusRunOnRedisLeavesNoStreamBehind() throws Exception {
        Set<String> before = polybusStreams();
        bench("redis", Target.POLYBUS, 0, 0);
        assertEquals(before, polybusStreams(), "the run's streams are deleted after it");
    }

    @Test
    void polybusRunOnKafkaLeavesNoTopicBehind() throws Exception {
        Set<String> before = kafkaTopics();
        bench("kafka", Target.POLYBUS, 0, 0);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(before, kafkaTopics(),
                "the run's topics, and the retry and delay topics of its groups, are deleted after it"));
    }

    private static Set<String> kafkaTopics() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        }
    }

    private static Set<String> polybusStreams() {
        try (Jedis jedis = new Jedis("127.0.0.1", 6379)) {
            return new HashSet<>(jedis.keys("bench-*-redis-polybus-*"));
        }
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("targets")
    void shortRunDeliversEveryMessageToEveryGroup(String broker, String client) throws Exception {
        RunResult run = bench(broker, client, 0, 0).runs().get(0);

        assertEquals(RunResult.Status.OK, run.status(), run::error);
        assertEquals(0, run.lost());
        assertEquals(0, run.duplicated());
        assertEquals(2 * run.sent(), run.received(), "two groups each receive every message once");
        assertTrue(run.e2eIntended().getTotalCount() > 0, "histograms decoded from result.json");
        assertTrue(run.provenance().containsKey("client"), () -> run.provenance().toString());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("| " + broker + " | " + client + " | 1,000/s |"));
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("targets")
    void injectedLossFailsTheRun(String broker, String client) throws Exception {
        RunResult run = bench(broker, client, 2, 1).runs().get(0);

        assertEquals(RunResult.Status.LOST, run.status(), run::error);
        assertEquals(2 * 2, run.lost(), "two messages missing in each of two groups");
    }

    /**
     * Each group is subscribed, closed while everything is sent, and subscribed again: it must still get every
     * message, so the broker (or the raw driver) keeps a group while none of its consumers is there.
     */
    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("targets")
    void separatePhasesDeliverEveryMessageSentWhileNoConsumerWasSubscribed(String broker, String client) throws Exception {
        RunResult run = bench(broker, List.of(client), "phases: separate\n", 0, 0).runs().get(0);

        assertEquals(RunResult.Status.OK, run.status(), run::error);
        assertEquals(Workload.Phases.SEPARATE, run.phases());
        assertEquals(0, run.lost());
        assertEquals(0, run.duplicated());
        assertEquals(0, run.reordered());
        assertEquals(2 * run.sent(), run.received(), "two groups each receive every message once");
        assertTrue(run.publishRate() > 0, () -> "publish rate " + run.publishRate());
        assertTrue(run.consumeRate() > 0, () -> "consume rate " + run.consumeRate());
        assertEquals(0, run.e2eIntended().getTotalCount(), "no end-to-end latency across the pause between the phases");
        assertTrue(Files.readString(dir.resolve("out/result.json")).contains("\"e2eIntended\" : null"));
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("kafkaTargets")
    void injectedLossFailsASeparatePhasesRun(String broker, String client) throws Exception {
        RunResult run = bench(broker, List.of(client), "phases: separate\n", 2, 1).runs().get(0);

        assertEquals(RunResult.Status.LOST, run.status(), run::error);
        assertEquals(2 * 2, run.lost(), "two messages missing in each of two groups");
    }

    @Test
    void polybusKafkaRunWithMessageIdsDeliversEveryMessage() throws Exception {
        RunResult run = bench("kafka", List.of(Target.POLYBUS), "message-ids: true\n", 0, 0).runs().get(0);

        assertEquals(RunResult.Status.OK, run.status(), run::error);
        assertEquals(0, run.lost());
        assertEquals(2 * run.sent(), run.received(), "two groups each receive every message once");
        assertTrue(run.provenance().get("producer").contains("message ids given"), () -> run.provenance().toString());
    }

    static Stream<Arguments> kafkaTargets() {
        return targets().filter(a -> a.get()[0].equals("kafka"));
    }

    @Test
    void repeatTurnsTheOrderRoundEveryOtherRoundAndGivesTheMedianRatios() throws Exception {
        Report report = bench("redis", List.of(Target.POLYBUS, Target.RAW), "phases: separate\nrepeat: 2\n", 0, 0);

        assertEquals(List.of("redis/raw 1", "redis/polybus 1", "redis/polybus 2", "redis/raw 2"),
                report.runs().stream().map(r -> r.target() + " " + r.round()).toList(), "the order the runs ran in");
        Report.Comparison comparison = report.comparisons().get(0);
        assertEquals(2, comparison.rounds());
        assertEquals(2, comparison.publish().size());
        assertEquals(2, comparison.consume().size());
        double median = Report.Comparison.median(comparison.publish());
        assertEquals((comparison.publish().get(0) + comparison.publish().get(1)) / 2, median, 1e-9);
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains(String.format(Locale.ROOT, "- redis @ 1,000/s, Polybus ÷ raw over 2 rounds: publish median %.2f×",
                median)), table);
        String json = Files.readString(dir.resolve("out/result.json"));
        assertTrue(json.contains("\"comparisons\"") && json.contains("\"median\" : " + median), json);
    }
}
