package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.events.EventPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.polybus.agent.FileTailingTest.append;
import static io.polybus.agent.FileTailingTest.expected;
import static io.polybus.agent.FileTailingTest.lines;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryAndCheckpointTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    AgentFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    private JsonNode checkpoints() throws IOException {
        Path file = dir.resolve("data/checkpoints.json");
        return Files.exists(file) ? AgentFixture.JSON.readTree(file.toFile()) : AgentFixture.JSON.createObjectNode();
    }

    private long savedOffset(Path log) throws IOException {
        for (JsonNode n : checkpoints().path("files")) {
            if (n.get("path").asText().equals(log.toString())) {
                return n.get("offset").asLong();
            }
        }
        return -1;
    }

    @ParameterizedTest(name = "events-per-message {0}")
    @ValueSource(ints = {1, 16})
    void restartResumesAtTheCheckpointWithoutDuplicates(int eventsPerMessage) throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, lines(0, 300));
        String yaml = AgentFixture.eventsPerMessage(fx.yaml(AgentFixture.fileSource("app", log.toString(), "")), eventsPerMessage);
        fx.start(yaml);
        await().atMost(WAIT).until(() -> fx.events.size() >= 300);
        fx.stopAgent();
        assertEquals(Files.size(log), savedOffset(log), "stop saves the acknowledged offset");
        assertFalse(Files.exists(dir.resolve("data/checkpoints.json.tmp")), "written through a temporary file, then renamed");
        append(log, lines(300, 400));
        fx.start(yaml);
        await().atMost(WAIT).until(() -> fx.events.size() >= 400);
        fx.stopAgent();
        assertEquals(expected(0, 400), fx.messages());
    }

    @Test
    void savedOffsetBeyondTheFileSizeMeansTruncatedAndRestartsAtZero() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, lines(0, 100));
        String yaml = fx.yaml(AgentFixture.fileSource("app", log.toString(), ""));
        fx.start(yaml);
        await().atMost(WAIT).until(() -> fx.events.size() >= 100);
        fx.stopAgent();
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.truncate(lines(0, 30).length());
        }
        fx.start(yaml);
        await().atMost(WAIT).until(() -> fx.events.size() >= 130);
        assertEquals(expected(0, 30), fx.messages().subList(100, 130));
    }

    @Test
    void theFirstCheckpointIsSavedAsSoonAsSomethingWasAcknowledged() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, lines(0, 10));
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(), "")).replace("checkpoint-interval: 20ms",
                "checkpoint-interval: 1h"));
        await().atMost(WAIT).until(() -> savedOffset(log) == Files.size(log));
    }

    @Test
    void checkpointsStayWithinTheUnsavedBoundWhateverTheInterval() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, lines(0, 50_000));
        long bound = 64 << 10;
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(), "")).replace("checkpoint-interval: 20ms",
                "checkpoint-interval: 1h\n  checkpoint-max-unsaved: 64KiB"));
        await().atMost(WAIT).until(() -> fx.events.size() >= 50_000);
        // Every byte is acknowledged: what a crash now would send again is at most the bound.
        await().atMost(WAIT).until(() -> savedOffset(log) >= Files.size(log) - bound);
    }

    @Test
    void checkpointsOfDeletedFilesExpire() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, lines(0, 10));
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(), "")).replace("checkpoint-interval: 20ms",
                "checkpoint-interval: 20ms\n  checkpoint-expiry: 1s"));
        await().atMost(WAIT).until(() -> savedOffset(log) == Files.size(log));
        Files.delete(log);
        await().atMost(WAIT).until(() -> checkpoints().path("files").isEmpty());
    }

    @Test
    void aSecondAgentCannotShareTheDataDirectory() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, "x\n");
        String yaml = fx.yaml(AgentFixture.fileSource("app", log.toString(), ""));
        fx.start(yaml);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Agent.fromYaml(yaml, new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("in use by another agent"), e.getMessage());
    }

    @ParameterizedTest(name = "events-per-message {0}")
    @ValueSource(ints = {1, 16})
    void whenTheBrokerStopsTakingEventsReadingStopsRetriesRunAndNothingIsLostOrCheckpointedEarly(int eventsPerMessage)
            throws Exception {
        fx = new AgentFixture(dir, io.polybus.Config.of("max-group-bytes", "16KiB"), "unused");
        // A group that takes deliveries and holds them: the broker's group buffer fills and sends time out.
        List<Delivery> held = new ArrayList<>();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean released = new AtomicBoolean();
        Consumer slow = fx.broker.subscribe(ConsumerOptions.builder("logs", "slow").prefetch(1).build(), d -> {
            for (byte[] event : EventPack.events(d.message())) {
                seen.add(AgentFixture.JSON.readTree(event).get("message").asText());
            }
            synchronized (held) {
                if (released.get()) {
                    d.ack();
                } else {
                    held.add(d);
                }
            }
        });
        Path log = dir.resolve("app.log");
        append(log, lines(0, 2000));
        String yaml = AgentFixture.eventsPerMessage(fx.yaml(AgentFixture.fileSource("app", log.toString(), "")), eventsPerMessage)
                .replace("name: " + fx.brokerName, "name: " + fx.brokerName + "\n  max-group-bytes: 16KiB")
                .replace("retry-backoff: 10ms", "retry-backoff: 10ms\n  send-timeout: 50ms\n  max-bytes-in-flight: 64KiB");
        fx.start(yaml);
        await().atMost(WAIT).until(() -> fx.counter("retries") > 0);
        assertEquals(0.0, fx.gauge("broker.connected"));
        double inFlight = fx.gauge("bytes.in_flight");
        assertTrue(inFlight <= 64 * 1024 + 4096, "in flight stays bounded: " + inFlight);
        assertTrue(fx.counter("events.read") < 2000, "reading stopped while the broker was full");
        long saved = savedOffset(log);
        assertTrue(saved < Files.size(log), "checkpoint stays before events not acknowledged: " + saved);

        synchronized (held) {
            released.set(true);
            held.forEach(Delivery::ack);
            held.clear();
        }
        try {
            await().atMost(WAIT).until(() -> seen.size() >= 2000);
            await().atMost(WAIT).until(() -> fx.gauge("broker.connected") == 1.0);
            await().atMost(WAIT).until(() -> savedOffset(log) == Files.size(log));
        } finally {
            slow.close();
        }
        assertEquals(new HashSet<>(expected(0, 2000)), new HashSet<>(seen));
    }
}
