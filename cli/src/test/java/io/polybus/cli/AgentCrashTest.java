package io.polybus.cli;

import io.polybus.agent.AgentFixture;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.events.EventPack;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Crash safety: the agent runs in its own JVM and is killed with SIGKILL again and again while it ships and
 * while lines are written and the file rotated; after the last restart every line has arrived (duplicates are
 * allowed and counted, losses are not). The broker must outlive the agent's process, so this runs against a
 * real broker: extend it once per broker module with its {@link #brokerConfig()} (the in-process memory broker
 * dies with the agent and cannot be used here).
 */
public abstract class AgentCrashTest {
    private static final int KILLS = 4;
    private static final int LINES_PER_ROUND = 10_000;

    @TempDir
    Path dir;

    /** The broker section the agent process and the checking consumer use. */
    protected abstract Config brokerConfig();

    /** The topic of one test run; a module whose broker keeps topics overrides this to delete it afterwards. */
    protected String newTopic() {
        return "logs-crash-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @ParameterizedTest(name = "events-per-message {0}")
    @ValueSource(ints = {1, 32})
    void killNineWhileShippingLosesNoLine(int eventsPerMessage) throws Exception {
        String topic = newTopic();
        Map<Integer, Integer> received = new ConcurrentHashMap<>();
        AtomicLong duplicates = new AtomicLong();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "agent: {host: crash, data-dir: '" + dir.resolve("data") + "', checkpoint-interval: 50ms}\n"
                + "delivery: {retry-backoff: 20ms, retry-backoff-max: 500ms, batch-events: 256, events-per-message: " + eventsPerMessage + "}\n"
                + AgentFixture.brokerYaml(brokerConfig())
                + "sources:\n  - {name: app, type: file, paths: ['" + dir + "/app.log*'], scan-interval: 50ms, topic: " + topic
                + ", processors: [{type: regex, pattern: '^line-(?<n>\\d+)', numbers: [n]}]}\n");
        Path out = dir.resolve("agent.out");
        int written = 0;
        try (Broker broker = Brokers.open(brokerConfig());
             Consumer ignored = broker.subscribe(ConsumerOptions.builder(topic, "crash-check").ackMode(AckMode.AUTO).build(), d -> {
                 for (byte[] event : EventPack.events(d.message())) {
                     int n = AgentFixture.JSON.readTree(event).at("/fields/n").asInt();
                     if (received.merge(n, 1, Integer::sum) > 1) {
                         duplicates.incrementAndGet();
                     }
                 }
             })) {
            for (int round = 0; round < KILLS; round++) {
                Files.writeString(log, AgentEndToEndTest.numbered(written, written + LINES_PER_ROUND), StandardOpenOption.APPEND);
                written += LINES_PER_ROUND;
                AgentProcess agent = AgentProcess.start(config, out);
                int before = received.size();
                try {
                    // Kill it mid-stream: once it shipped something of this round, but (most likely) not all.
                    awaitLines(out, "round " + round, () -> received.size() > before + 100);
                    agent.kill9();
                } finally {
                    agent.forceStopIfAlive();
                }
                if (round % 2 == 1) {
                    Files.move(log, dir.resolve("app.log." + round));
                    Files.createFile(log);
                }
            }
            AgentProcess agent = AgentProcess.start(config, out);
            try {
                int expected = written;
                awaitLines(out, "after the last restart", () -> received.size() >= expected);
                assertEquals(0, agent.terminate(), "clean exit on SIGTERM");
            } finally {
                agent.forceStopIfAlive();
            }
        }
        assertEquals(written, received.size(), "no line lost across " + KILLS + " kill -9");
        System.out.printf("%s (events-per-message %d): %d lines, %d kill -9, %d duplicates%n", getClass().getSimpleName(),
                eventsPerMessage, written, KILLS, duplicates.get());
    }

    /** Waits up to 2 minutes; on time-out, fails with what the agent printed, so a failure in CI can be read. */
    private static void awaitLines(Path agentOut, String when, Callable<Boolean> condition) throws IOException {
        try {
            await().atMost(Duration.ofMinutes(2)).until(condition);
        } catch (ConditionTimeoutException e) {
            List<String> lines = Files.readAllLines(agentOut, StandardCharsets.ISO_8859_1);
            throw new AssertionError("no new lines arrived " + when + " within 2 minutes; the agent's last output:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())), e);
        }
    }
}
