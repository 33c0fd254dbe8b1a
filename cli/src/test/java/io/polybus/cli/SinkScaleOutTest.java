package io.polybus.cli;

import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.agent.AgentFixture;
import io.polybus.events.EventPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two {@code polybus sink} processes (their own JVMs) in one group share a topic into one PostgreSQL table; one is
 * killed with SIGKILL mid-stream, and the table ends with every event exactly once: the survivor takes over what the
 * killed one held unacknowledged, and the rows it had already written are not written twice.
 */
@ExtendWith(InProcessKafka.class)
class SinkScaleOutTest {
    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final int EVENTS = 6000;
    private static final int PER_PACK = 10;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String schema = "scaleout_" + id;
    private final String topic = "sink-scaleout-" + id;
    private final List<Process> processes = new ArrayList<>();
    @TempDir
    Path dir;

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        try (Connection c = DriverManager.getConnection(URL, "postgres", null); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    @Test
    void kafkaPartitionsAreSharedAndAKilledSinkLosesAndDoublesNothing() throws Exception {
        Config broker = InProcessKafka.config().with("partitions", "4");
        run(broker, broker.with("kafka.session.timeout.ms", "6000").with("kafka.heartbeat.interval.ms", "1000"), "earliest");
    }

    @Test
    void aRabbitMqQueueIsSharedAndAKilledSinkLosesAndDoublesNothing() throws Exception {
        RabbitMqBrokerForTests rabbit = new RabbitMqBrokerForTests();
        rabbit.remember(topic);
        try {
            run(rabbit.config(), rabbit.config(), "latest");
        } finally {
            rabbit.cleanUp("sinks-" + id);
        }
    }

    @Test
    void aRedisStreamIsSharedAndAKilledSinkLosesAndDoublesNothing() throws Exception {
        RedisBrokerForTests redis = new RedisBrokerForTests();
        try {
            // The survivor claims what the killed one held once it is idle for the visibility timeout.
            run(redis.config(), redis.config().with("visibility-timeout", "5s"), "earliest");
        } finally {
            redis.cleanUp();
        }
    }

    private void run(Config producerBroker, Config sinkBroker, String startFrom) throws Exception {
        Path config = dir.resolve("sink.yaml");
        Files.writeString(config, AgentFixture.brokerYaml(sinkBroker) + """
                sinks:
                  topic: %s
                  group: sinks-%s
                  start-from: %s
                  max-batch-events: 200
                  max-batch-wait: 100ms
                  retry-backoff: 50ms
                  outputs:
                    - {type: postgresql, url: '%s', user: postgres, schema: %s}
                """.formatted(topic, id, startFrom, URL, schema));
        Process first = start(config, dir.resolve("first.log"));
        Process second = start(config, dir.resolve("second.log"));
        awaitSubscribed(dir.resolve("first.log"));
        awaitSubscribed(dir.resolve("second.log"));

        try (Broker broker = Brokers.open(producerBroker); Producer producer = broker.producer()) {
            send(producer, 0, EVENTS / 2);
            await().atMost(Duration.ofSeconds(120)).until(() -> rows() >= EVENTS / 6);
            first.destroyForcibly();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first sink process is gone");
            long atKill = rows();
            send(producer, EVENTS / 2, EVENTS);
            await().atMost(Duration.ofSeconds(180)).until(() -> rows() == EVENTS);
            assertTrue(atKill < EVENTS, "killed mid-stream: " + atKill);
        }
        assertTrue(second.isAlive(), "the survivor runs on");
        assertEquals(EVENTS, count("SELECT count(DISTINCT id) FROM " + schema + ".logs WHERE id LIKE '42:7:" + id + "@%'"));
        assertEquals(EVENTS, rows(), "every event exactly once");
    }

    private void send(Producer producer, int from, int to) throws Exception {
        for (int i = from; i < to; i += PER_PACK) {
            EventPack pack = new EventPack();
            for (int j = i; j < i + PER_PACK; j++) {
                pack.add(("{\"timestamp\":\"2026-12-06T10:00:00Z\",\"host\":\"h\",\"message\":\"line " + j + "\",\"source\":"
                        + "{\"type\":\"file\",\"file_id\":\"42:7:" + id + "\",\"offset\":" + j + "}}").getBytes(StandardCharsets.UTF_8));
            }
            producer.send(pack.take(Message.builder(topic).key("k" + i))).get();
        }
    }

    private Process start(Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                PolybusMain.class.getName(), "sink", "-c", config.toString()));
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static void awaitSubscribed(Path log) throws IOException {
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(log) && Files.readString(log).contains("sinks: ["));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            throw new AssertionError("the sink process did not subscribe; its log ends:\n" + text.substring(Math.max(0, text.length() - 4000)), e);
        }
    }

    private long rows() throws SQLException {
        return count("SELECT count(*) FROM " + schema + ".logs");
    }

    private static long count(String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, "postgres", null); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery(query);
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if ("3F000".equals(e.getSQLState()) || "42P01".equals(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }
}
