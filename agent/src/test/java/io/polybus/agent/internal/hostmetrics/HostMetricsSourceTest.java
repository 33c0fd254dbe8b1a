package io.polybus.agent.internal.hostmetrics;

import io.polybus.events.PipelineHealth;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostMetricsSourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void publishesOneHostMetricsEventPerInterval() throws Exception {
        String topic = "host-" + UUID.randomUUID();
        List<Message> received = new CopyOnWriteArrayList<>();
        try (Broker broker = Brokers.open(Config.of("type", "memory", "name", "host-metrics-" + UUID.randomUUID()))) {
            broker.subscribe(ConsumerOptions.of(topic, "reader"), d -> {
                received.add(d.message());
                d.ack();
            });
            PipelineHealth health = new PipelineHealth("host-metrics", Clock.systemUTC(), Duration.ofSeconds(30), Duration.ofMinutes(1));
            HostMetricsConfig config = new HostMetricsConfig(true, Duration.ofMillis(100), topic, "web-9", null);
            try (HostMetricsSource source = HostMetricsSource.start(broker.producer(), config, Clock.systemUTC(), health)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 2);
            }
            assertTrue(health.check().healthy());
        }
        JsonNode second = JSON.readTree(received.get(1).payload());
        assertEquals("web-9", received.get(1).keyAsString());
        assertEquals("web-9", second.path("host").asText());
        assertEquals("host-metrics", second.path("source").path("type").asText());
        assertTrue(second.path("message").asText().startsWith("host metrics: cpu "), second.toString());
        JsonNode fields = second.path("fields");
        assertTrue(fields.path("memory").path("total_bytes").asLong() > 0, fields.toString());
        assertTrue(fields.path("cpu").path("used_pct").isNumber(), fields.toString());
        assertTrue(fields.path("disk").path("/").path("used_pct").isNumber(), fields.toString());
        assertTrue(fields.path("load").has("1m"), fields.toString());
    }
}
