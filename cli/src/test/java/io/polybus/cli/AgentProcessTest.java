package io.polybus.cli;

import io.polybus.agent.AgentFixture;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent as users run it: its own JVM, stopped with SIGTERM. */
class AgentProcessTest {
    @TempDir
    Path dir;

    private long savedOffset() throws Exception {
        Path file = dir.resolve("data/checkpoints.json");
        if (!Files.exists(file)) {
            return -1;
        }
        JsonNode files = AgentFixture.JSON.readTree(file.toFile()).path("files");
        return files.isEmpty() ? -1 : files.get(0).get("offset").asLong();
    }

    @Test
    void sigtermStopsReadingFlushesCheckpointsAndExitsZero() throws Exception {
        Path log = dir.resolve("app.log");
        Files.writeString(log, AgentEndToEndTest.numbered(0, 5000));
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "agent: {data-dir: '" + dir.resolve("data") + "', checkpoint-interval: 50ms}\n"
                + "sources: [{name: app, paths: ['" + log + "'], scan-interval: 50ms}]\n");
        Path out = dir.resolve("agent.out");
        AgentProcess agent = AgentProcess.start(config, out);
        long before;
        try {
            await().atMost(Duration.ofMinutes(1)).until(() -> savedOffset() == Files.size(log));
            Files.writeString(log, AgentEndToEndTest.numbered(5000, 6000), java.nio.file.StandardOpenOption.APPEND);
            before = savedOffset();
            assertEquals(0, agent.terminate(), Files.readString(out));
        } finally {
            agent.forceStopIfAlive();
        }
        String output = Files.readString(out);
        assertTrue(output.contains("agent stopped"), output);
        long saved = savedOffset();
        byte[] bytes = Files.readAllBytes(log);
        assertTrue(saved >= before && saved <= bytes.length, "the checkpoint saved on the way out (" + saved
                + ") is at or after the one seen before the signal (" + before + ")");
        assertEquals('\n', bytes[(int) saved - 1], "the checkpoint saved on the way out is a line boundary: " + saved);
    }
}
