package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host-metrics source is a source like any other: its events go through processors and the shipper. */
class HostMetricsSourceTest {
    @TempDir
    Path dir;

    @Test
    void publishesOneHostMetricsEventPerIntervalThroughItsProcessors() {
        try (AgentFixture fixture = new AgentFixture(dir, "host")) {
            fixture.start(fixture.yaml("  - {name: machine, type: host-metrics, interval: 100ms, topic: host, key: '{host}',\n"
                    + "     processors: [{type: add-fields, fields: {role: web}}]}\n"));
            await().atMost(Duration.ofSeconds(30)).until(() -> fixture.snapshot().size() >= 2);
            JsonNode second = fixture.snapshot().get(1);
            assertEquals("test-host", second.path("host").asText());
            assertEquals("test-host", fixture.keys.get(1));
            assertEquals("host-metrics", second.path("source").path("type").asText());
            assertEquals("machine", second.path("source").path("name").asText());
            assertTrue(second.path("message").asText().startsWith("host metrics: cpu "), second.toString());
            JsonNode fields = second.path("fields");
            assertTrue(fields.path("memory").path("total_bytes").asLong() > 0, fields.toString());
            assertTrue(fields.path("cpu").path("used_pct").isNumber(), fields.toString());
            assertTrue(fields.path("disk").path("/").path("used_pct").isNumber(), fields.toString());
            assertTrue(fields.path("load").has("1m"), fields.toString());
            assertEquals("web", fields.path("role").asText(), "the source's processors ran on it");
            // A consumer may see an event before the agent has counted its acknowledgement.
            await().atMost(Duration.ofSeconds(30)).until(() -> fixture.counter("events.acked", "source", "machine") >= 2);
        }
    }
}
