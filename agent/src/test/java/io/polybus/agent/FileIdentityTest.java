package io.polybus.agent;

import com.example.processor.Gate;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files truncated under a reader that is behind (its thread held in a {@link Gate} in the middle of a file): no
 * line spliced from bytes before and after the truncation, one {@code file_id} and {@code offset} per line.
 */
class FileIdentityTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int OLD = 20_000;
    private static final int NEW = 10_000;

    @TempDir
    Path dir;
    AgentFixture fx;
    final String gate = "gate-" + UUID.randomUUID();

    @AfterEach
    void tearDown() {
        Gate.open(gate);
        if (fx != null) {
            fx.close();
        }
    }

    /** Starts the agent on {@code glob} and waits until its thread is held in the gate, a chunk of the file read. */
    private void startBehind(String glob) {
        Gate.close(gate);
        fx.start(fx.yaml(AgentFixture.fileSource("app", glob, "    processors: [{type: gate, name: " + gate + "}]\n")));
        await().atMost(WAIT).until(() -> Gate.holding(gate));
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    @Test
    void copytruncateWhileBehindGoesOnFromTheCopyUnderTheOriginalsIdentity() throws Exception {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        SequencedLog.append(log, 0, OLD);
        startBehind(dir + "/app.log*");
        SequencedLog.copyTruncate(log, dir.resolve("app.log.1"));
        // The writer goes on past the offset the reader is at before the reader reads again.
        SequencedLog.append(log, OLD, OLD + NEW);
        Gate.open(gate);
        await().atMost(WAIT).until(() -> fx.events.size() >= OLD + NEW);

        List<JsonNode> events = fx.snapshot();
        assertEquals(0, SequencedLog.check(events, range(0, OLD + NEW)), "no duplicates without a crash");
        Set<String> oldIds = events.stream().filter(e -> SequencedLog.seq(e.get("message").asText()) < OLD)
                .map(e -> e.at("/source/file_id").asText()).collect(Collectors.toSet());
        assertEquals(1, oldIds.size(), "the copy's lines keep the original's file_id: " + oldIds);
        assertTrue(events.stream().filter(e -> SequencedLog.seq(e.get("message").asText()) >= OLD)
                .noneMatch(e -> oldIds.contains(e.at("/source/file_id").asText())), "new content, new identity");
        assertEquals(0, fx.counter("events.dropped", "reason", "cut_off"));
    }

    @Test
    void copytruncateWhileStoppedGoesOnFromTheCopyUnderTheOriginalsIdentity() throws Exception {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        SequencedLog.append(log, 0, OLD);
        String yaml = fx.yaml(AgentFixture.fileSource("app", dir + "/app.log*", ""));
        fx.start(yaml);
        await().atMost(WAIT).until(() -> fx.events.size() >= OLD);
        fx.stopAgent();
        SequencedLog.append(log, OLD, OLD + 100);
        SequencedLog.copyTruncate(log, dir.resolve("app.log.1"));
        SequencedLog.append(log, OLD + 100, OLD + NEW);
        fx.start(yaml);
        await().atMost(WAIT).until(() -> new HashSet<>(fx.messages()).contains(SequencedLog.line(OLD + NEW - 1)));
        fx.stopAgent();

        List<JsonNode> events = fx.snapshot();
        assertEquals(0, SequencedLog.check(events, range(0, OLD + NEW)), "the copy is not read again from its start");
        assertEquals(1, events.stream().filter(e -> SequencedLog.seq(e.get("message").asText()) < OLD + 100)
                .map(e -> e.at("/source/file_id").asText()).distinct().count(), "the copy's lines keep the original's file_id");
    }

    @Test
    void truncationThenImmediateRegrowthIsANewFileAndNoLineIsSpliced() throws Exception {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        SequencedLog.append(log, 0, OLD);
        startBehind(log.toString());
        SequencedLog.truncate(log);
        SequencedLog.append(log, OLD, OLD + NEW);
        Gate.open(gate);
        await().atMost(WAIT).until(() -> new HashSet<>(fx.messages()).contains(SequencedLog.line(OLD + NEW - 1)));

        List<JsonNode> events = fx.snapshot();
        // What the reader had not read of the old content is gone with the truncation; the new content is all there.
        assertEquals(0, SequencedLog.check(events, range(OLD, OLD + NEW)), "no duplicates without a crash");
        Set<String> oldIds = events.stream().filter(e -> SequencedLog.seq(e.get("message").asText()) < OLD)
                .map(e -> e.at("/source/file_id").asText()).collect(Collectors.toSet());
        Set<String> newIds = events.stream().filter(e -> SequencedLog.seq(e.get("message").asText()) >= OLD)
                .map(e -> e.at("/source/file_id").asText()).collect(Collectors.toSet());
        assertEquals(1, oldIds.size());
        assertEquals(1, newIds.size());
        assertNotEquals(oldIds, newIds, "the new content has an identity of its own");
        List<Integer> old = events.stream().map(e -> SequencedLog.seq(e.get("message").asText())).filter(n -> n < OLD).toList();
        assertEquals(range(0, old.size()), old, "the old content is delivered up to where it was read");
        // The reader held a line read in part when the file was truncated: dropped, counted.
        assertEquals(1, fx.counter("events.dropped", "reason", "cut_off"));
    }
}
