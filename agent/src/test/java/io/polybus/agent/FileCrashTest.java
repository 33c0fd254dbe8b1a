package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.events.EventPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Files rotated or truncated while the agent is down after a {@code kill -9} (an agent in a JVM of its own,
 * shipping to the shared Redis under a key prefix of its own): after the restart every line arrives intact, and
 * every duplicate carries the {@code file_id} and {@code offset} of the line's first delivery.
 */
class FileCrashTest {
    private static final int OLD = 60_000;
    private static final int NEW = 10_000;

    @TempDir
    Path dir;
    final SharedRedis redis = new SharedRedis();
    final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void cleanUp() throws Exception {
        redis.cleanUp();
        Path out = dir.resolve("agent.out");
        if (Files.exists(out)) {
            // The agent's own log, for a failure's report (the temporary directory is deleted).
            Files.readAllLines(out).stream().filter(l -> l.contains(" INFO ") || l.contains(" WARN ") || l.contains(" ERROR "))
                    .forEach(System.out::println);
        }
    }

    private Config broker() {
        return redis.config();
    }

    private Path config(String glob) throws Exception {
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "agent: {host: crash, data-dir: '" + dir.resolve("data") + "', checkpoint-interval: 50ms}\n"
                + "delivery: {retry-backoff: 20ms, retry-backoff-max: 500ms, batch-events: 256}\n"
                + AgentFixture.brokerYaml(broker())
                + "sources:\n  - {name: app, type: file, paths: ['" + glob + "'], scan-interval: 50ms, topic: logs}\n");
        return config;
    }

    /**
     * Runs the agent until it shipped part of the file, kills it with SIGKILL, lets {@code whileStopped} change
     * the files, runs it again until {@code done}, and returns what was received.
     */
    private List<JsonNode> crashAround(String glob, Step whileStopped, java.util.function.BooleanSupplier done) throws Exception {
        Path config = config(glob);
        Path out = dir.resolve("agent.out");
        try (Broker broker = Brokers.open(broker());
             Consumer ignored = broker.subscribe(ConsumerOptions.builder("logs", "check").ackMode(AckMode.AUTO).build(), d -> {
                 for (byte[] event : EventPack.events(d.message())) {
                     events.add(AgentFixture.JSON.readTree(event));
                 }
             })) {
            AgentJvm agent = AgentJvm.start(config, out);
            try {
                await().atMost(Duration.ofMinutes(1)).until(() -> events.size() > 2000);
                agent.kill9();
            } finally {
                agent.forceStopIfAlive();
            }
            whileStopped.run();
            agent = AgentJvm.start(config, out);
            try {
                await().atMost(Duration.ofMinutes(2)).until(done::getAsBoolean);
                assertNotEquals(-1, agent.terminate(), "exits on SIGTERM");
            } finally {
                agent.forceStopIfAlive();
            }
        }
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    interface Step {
        void run() throws Exception;
    }

    private boolean received(int n) {
        synchronized (events) {
            return events.stream().map(e -> SequencedLog.seq(e.get("message").asText())).collect(Collectors.toSet()).size() >= n;
        }
    }

    private boolean receivedLine(int n) {
        String line = SequencedLog.line(n);
        synchronized (events) {
            return events.stream().anyMatch(e -> e.get("message").asText().equals(line));
        }
    }

    private static Set<String> fileIds(List<JsonNode> events, int from, int to) {
        return events.stream().filter(e -> {
            int n = SequencedLog.seq(e.get("message").asText());
            return n >= from && n < to;
        }).map(e -> e.at("/source/file_id").asText()).collect(Collectors.toSet());
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    @Test
    void copytruncateWhileStoppedGoesOnFromTheCopyUnderTheOriginalsIdentity() throws Exception {
        Path log = dir.resolve("app.log");
        SequencedLog.append(log, 0, OLD);
        List<JsonNode> got = crashAround(dir + "/app.log*", () -> {
            SequencedLog.copyTruncate(log, dir.resolve("app.log.1"));
            SequencedLog.append(log, OLD, OLD + NEW);
        }, () -> received(OLD + NEW));
        int duplicates = SequencedLog.check(got, range(0, OLD + NEW));
        assertEquals(1, fileIds(got, 0, OLD).size(), "the copy goes on under the original's file_id");
        assertNotEquals(fileIds(got, 0, OLD), fileIds(got, OLD, OLD + NEW), "the new content has an identity of its own");
        System.out.printf("copytruncate while stopped: %d lines, %d duplicates (same keys)%n", OLD + NEW, duplicates);
    }

    @Test
    void rotationWhileStoppedLosesNothingAndKeepsEachLinesKey() throws Exception {
        Path log = dir.resolve("app.log");
        SequencedLog.append(log, 0, OLD);
        List<JsonNode> got = crashAround(dir + "/app.log*", () -> {
            Files.move(log, dir.resolve("app.log.1"));
            SequencedLog.append(log, OLD, OLD + NEW);
        }, () -> received(OLD + NEW));
        int duplicates = SequencedLog.check(got, range(0, OLD + NEW));
        assertEquals(1, fileIds(got, 0, OLD).size());
        System.out.printf("rotation while stopped: %d lines, %d duplicates (same keys)%n", OLD + NEW, duplicates);
    }

    @Test
    void truncationAndRegrowthWhileStoppedIsANewFileUnderANewIdentity() throws Exception {
        Path log = dir.resolve("app.log");
        SequencedLog.append(log, 0, OLD);
        List<JsonNode> got = crashAround(log.toString(), () -> {
            SequencedLog.truncate(log);
            SequencedLog.append(log, OLD, OLD + NEW);
        }, () -> receivedLine(OLD + NEW - 1));
        SequencedLog.check(got, range(OLD, OLD + NEW));
        assertEquals(1, fileIds(got, 0, OLD).size());
        assertEquals(1, fileIds(got, OLD, OLD + NEW).size());
        assertNotEquals(fileIds(got, 0, OLD), fileIds(got, OLD, OLD + NEW), "nothing of the old content under the new identity");
    }
}
