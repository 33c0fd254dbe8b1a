package io.polybus.sinks;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.events.ComponentContext;
import io.polybus.events.Components;
import io.polybus.events.EventPack;
import io.polybus.events.SinkProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The postgresql sink on the machine's PostgreSQL (127.0.0.1:5432, trust, database test), a schema per test. */
class PostgresqlSinkTest {
    static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final Map<String, SinkProvider> SINKS = Components.load(SinkProvider.class);

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String schema = "sinks_" + id;
    private final String topic = "logs-" + id;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Broker broker;

    @BeforeEach
    void open() {
        broker = Brokers.open(Config.of("type", "memory", "name", "pg-" + id));
    }

    @AfterEach
    void close() throws SQLException {
        broker.close();
        sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    static void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, "postgres", null); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    static long count(String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, "postgres", null); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery(query);
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }

    private long rows() throws SQLException {
        return count("SELECT count(*) FROM " + schema + ".logs");
    }

    private SinkRunner start(String sink, String batch) {
        Map<String, Object> section = Config.readYaml("sinks:\n  topic: " + topic + "\n  max-batch-wait: 50ms\n"
                + "  retry-backoff: 20ms\n  retry-backoff-max: 200ms\n" + batch + "  outputs:\n    - " + sink + "\n",
                Map.<String, String>of()::get);
        SinksConfig config = SinksConfig.parse(section.get("sinks"), "sinks", SINKS);
        SinkRunner runner = SinkRunner.start(broker, config, new ComponentContext("sinks", "h", broker, Clock.systemUTC(), null),
                SinkRunner.defaultHealth());
        runner.bindTo(registry);
        return runner;
    }

    private String pg(String mode, String url) {
        return "{type: postgresql, name: pg-" + id + ", url: '" + url + "', user: postgres, schema: " + schema
                + ", mode: " + mode + "}";
    }

    private double meter(String name) {
        FunctionCounter c = registry.find(name).tag("sink", "pg-" + id).functionCounter();
        return c == null ? 0 : c.count();
    }

    static byte[] event(String file, long offset, String timestamp, String message) {
        return ("{\"timestamp\":\"" + timestamp + "\",\"host\":\"web-1\",\"message\":\"" + message + "\",\"source\":{\"type\":\"file\","
                + "\"name\":\"app\",\"file_id\":\"" + file + "\",\"offset\":" + offset + "},\"fields\":{\"service\":\"api\",\"n\":"
                + offset + "},\"tags\":[\"t\"]}").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"insert", "copy"})
    void redeliveredEventsAndEventsSentAgainAreStoredOnce(String mode) throws Exception {
        try (SinkRunner runner = start(pg(mode, URL), "");
             Producer producer = broker.producer()) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 50; i++) {
                    producer.send(Message.builder(topic).payload(event("7:1:aa", i * 100L, "2026-12-06T10:00:00.123Z", "line " + i)).build()).get();
                }
                EventPack pack = new EventPack();
                for (int i = 50; i < 80; i++) {
                    pack.add(event("7:1:aa", i * 100L, "2026-12-06T10:00:01Z", "line " + i));
                }
                producer.send(pack.take(Message.builder(topic))).get();
                producer.send(Message.builder(topic).payload("{\"timestamp\":\"2026-12-06T10:00:02Z\",\"message\":\"no origin\"}")
                        .id("app-msg-" + id).build()).get();
                int expected = 81 * (round + 1);
                await().atMost(Duration.ofSeconds(30)).until(() -> meter("polybus.sink.events") >= expected);
            }
            assertTrue(runner.health().check().healthy());
        }
        assertEquals(81, rows(), "each event once although every one was delivered twice");
        assertEquals(1, count("SELECT count(*) FROM " + schema + ".logs WHERE id = '7:1:aa@6000' AND message = 'line 60'"
                + " AND host = 'web-1' AND \"timestamp\" = '2026-12-06T10:00:01Z' AND fields->>'service' = 'api'"
                + " AND source->>'file_id' = '7:1:aa' AND tags = '[\"t\"]'::jsonb"));
        assertEquals(1, count("SELECT count(*) FROM " + schema + ".logs WHERE id = 'id:app-msg-" + id + "' AND host IS NULL"));
        assertEquals(162, meter("polybus.sink.events"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"insert", "copy"})
    void rowsTheServerRefusesGoToTheDeadLetterTopicWithItsReasonAndTheRestIsStored(String mode) throws Exception {
        List<Message> dead = new CopyOnWriteArrayList<>();
        broker.subscribe(ConsumerOptions.builder(topic + ".dlq", "check").ackMode(AckMode.AUTO).build(), d -> dead.add(d.message()));
        try (SinkRunner runner = start(pg(mode, URL), "  max-batch-wait: 500ms\n");
             Producer producer = broker.producer()) {
            EventPack pack = new EventPack();
            pack.add(event("8:1:bb", 0, "2026-12-06T10:00:00Z", "fine"));
            pack.add(event("8:1:bb", 10, "the day before yesterday", "bad time"));
            producer.send(pack.take(Message.builder(topic))).get();
            producer.send(Message.builder(topic).payload(event("8:1:bb", 20, "2026-12-06T10:00:00Z", "a NUL \\u0000 byte")).build()).get();
            producer.send(Message.builder(topic).payload(event("8:1:bb", 30, "2026-12-06T10:00:00Z", "also fine")).build()).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> dead.size() == 2 && meter("polybus.sink.events") >= 4);
        }
        assertEquals(2, rows(), "every row the server took is stored; the messages of the refused ones are dead-lettered");
        assertEquals(1, count("SELECT count(*) FROM " + schema + ".logs WHERE message = 'also fine'"));
        String reasons = dead.stream().map(m -> String.valueOf(m.headers())).toList().toString();
        assertTrue(reasons.contains("postgresql refused the row"), reasons);
        assertTrue(reasons.contains("timestamp") || reasons.contains("the day before yesterday"), reasons);
        assertEquals(2, meter("polybus.sink.rejected"));
        String payloads = dead.stream().map(Message::payloadAsString).sorted().toList().toString();
        assertTrue(payloads.contains("bad time") && payloads.contains("a NUL") && !payloads.contains("also fine"),
                "the messages of the refused rows are dead-lettered, and only they: " + payloads);
    }

    @Test
    void aServerThatGoesAwayHoldsReadingBackAndNothingIsLostOrDoubled() throws Exception {
        try (TcpProxy proxy = new TcpProxy(5432)) {
            proxy.start();
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test";
            proxy.stop();
            try (SinkRunner runner = start(pg("insert", url), "  max-batch-events: 10\n");
                 Producer producer = broker.producer()) {
                for (int i = 0; i < 100; i++) {
                    producer.send(Message.builder(topic).payload(event("9:1:cc", i, "2026-12-06T10:00:00Z", "down " + i)).build()).get();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> meter("polybus.sink.retries") >= 3);
                assertEquals(0, meter("polybus.sink.events"), "nothing counts as written while the server is away");
                assertEquals(0, rows());
                proxy.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 100);

                // the server ends the sink's connection mid-stream, as a restart or an administrator would
                for (int i = 100; i < 300; i++) {
                    producer.send(Message.builder(topic).payload(event("9:1:cc", i, "2026-12-06T10:00:00Z", "cut " + i)).build()).get();
                    if (i % 50 == 0) {
                        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'polybus-sink-pg-" + id + "'");
                    }
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 300);
            }
        }
        assertEquals(300, count("SELECT count(DISTINCT id) FROM " + schema + ".logs"));
    }
}
