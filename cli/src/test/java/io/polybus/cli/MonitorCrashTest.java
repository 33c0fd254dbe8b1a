package io.polybus.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.agent.AgentFixture;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Message;
import io.polybus.Producer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The monitor's state across a crash: {@code polybus monitor} in its own JVM, on the shared Redis, killed with
 * SIGKILL while one alert fires and another host's window is half full, then started again on the same
 * {@code state-dir}.
 */
class MonitorCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofMinutes(1);

    @TempDir
    Path dir;
    private final RedisBrokerForTests redis = new RedisBrokerForTests();
    private final String topic = "logs-monitor-crash-" + UUID.randomUUID().toString().substring(0, 8);
    private long offset;

    @AfterEach
    void cleanUp() {
        redis.cleanUp();
    }

    private void send(Producer producer, String host) {
        String event = JSON.createObjectNode().put("timestamp", Instant.now().toString()).put("host", host)
                .put("message", "GET /api 502").set("source", JSON.createObjectNode().put("file_id", "crash")
                        .put("offset", offset++)).toString();
        String withStatus = event.substring(0, event.length() - 1) + ",\"fields\":{\"status\":502}}";
        producer.send(Message.builder(topic).payload(withStatus).build()).join();
    }

    private List<JsonNode> notices(Path alerts) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(alerts)) {
            for (String line : Files.readAllLines(alerts)) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    /** Waits for the {@code n}th start's log line that it reads the topic: events sent before may go unseen. */
    private void awaitSubscribed(Path out, int n) {
        String line = "on topic '" + topic + "'";
        await().atMost(WAIT).until(() -> Files.exists(out) && Files.readString(out).split(line, -1).length > n);
    }

    private static Object fileKey(Path state) throws IOException {
        return Files.exists(state) ? Files.readAttributes(state, BasicFileAttributes.class).fileKey() : null;
    }

    @Test
    void afterKillNineAFiringAlertDoesNotFireAgainAndAHalfFullWindowIsNotForgotten() throws Exception {
        Path alerts = dir.resolve("alerts.jsonl");
        Path state = dir.resolve("state").resolve("monitor-crash.state");
        Path config = dir.resolve("monitor.yaml");
        Files.writeString(config, AgentFixture.brokerYaml(redis.config()) + """
                monitor:
                  topic: %s
                  group: crash
                  evaluate-every: 50ms
                  state-dir: '%s'
                  snapshot-every: 100ms
                  rules:
                    - {name: burst, type: threshold, where: {field: fields.status, gte: 500}, window: 10m, above: 2,
                       group-by: host}
                  notifiers:
                    - {type: file, path: '%s'}
                metrics: {enabled: false}
                """.formatted(topic, dir.resolve("state"), alerts));
        Path out = dir.resolve("monitor.out");
        try (Broker broker = Brokers.open(redis.config()); Producer producer = broker.producer()) {
            AgentProcess first = AgentProcess.start("monitor", config, out);
            try {
                awaitSubscribed(out, 1);
                send(producer, "web-2");
                send(producer, "web-2");
                for (int i = 0; i < 3; i++) {
                    send(producer, "web-1");
                }
                await().atMost(WAIT).until(() -> notices(alerts).size() == 1);
                // Two snapshots after the notice: the second one holds the state that made it, whatever the timing.
                Set<Object> snapshots = new HashSet<>();
                Object before = fileKey(state);
                await().atMost(WAIT).until(() -> {
                    Object key = fileKey(state);
                    if (key != null && !key.equals(before)) {
                        snapshots.add(key);
                    }
                    return snapshots.size() >= 2;
                });
                first.kill9();
            } finally {
                first.forceStopIfAlive();
            }

            AgentProcess second = AgentProcess.start("monitor", config, out);
            try {
                awaitSubscribed(out, 2);
                for (int i = 0; i < 3; i++) {
                    send(producer, "web-1");
                }
                send(producer, "web-2");
                await().atMost(WAIT).until(() -> notices(alerts).size() >= 2);
                assertEquals(0, second.terminate(), "a monitor stopped with SIGTERM exits 0");
            } finally {
                second.forceStopIfAlive();
            }
        }
        List<String> seen = notices(alerts).stream()
                .map(n -> n.path("group").asText() + ":" + n.path("status").asText() + ":" + n.path("count").asLong())
                .toList();
        assertEquals(List.of("web-1:firing:3", "web-2:firing:3"), seen,
                "web-1 still firing after the restart, web-2's two events remembered");
    }
}
