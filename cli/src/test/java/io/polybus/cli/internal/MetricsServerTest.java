package io.polybus.cli.internal;

import io.polybus.cli.PrometheusText;
import io.polybus.events.HealthCheck;
import io.polybus.events.PipelineHealth;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.polybus.monitor.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
    private final PipelineHealth output = new PipelineHealth("output", clock, Duration.ofSeconds(30), Duration.ofMinutes(2));
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http = HttpClient.newHttpClient();
    private MetricsServer server;

    @BeforeEach
    void start() {
        Map<String, HealthCheck> checks = new LinkedHashMap<>();
        checks.put("output", output);
        checks.put("disk", () -> HealthCheck.Result.healthy("plenty"));
        server = MetricsServer.start(new MetricsConfig(true, "127.0.0.1", 0, Duration.ofSeconds(30), Duration.ofMinutes(2)), registry, checks);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode health(int expectedStatus) throws Exception {
        HttpResponse<String> response = get("/health");
        assertEquals(expectedStatus, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    @Test
    void servesMetricsInPrometheusTextFormat() throws Exception {
        Counter.builder("polybus.agent.events.read").tag("source", "nginx").register(registry).increment(42);
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(42, PrometheusText.value(response.body(), "polybus_agent_events_read_total", Map.of("source", "nginx")));
    }

    @Test
    void healthFailsOnlyAfterTheBrokerIsUnreachableLongerThanTheThreshold() throws Exception {
        assertEquals("UP", health(200).path("status").asText());
        output.brokerUnreachable("connection refused to 127.0.0.1:9092");
        clock.advance(Duration.ofSeconds(20));
        assertEquals("UP", health(200).path("status").asText());
        clock.advance(Duration.ofSeconds(11));
        JsonNode down = health(503);
        assertEquals("DOWN", down.path("status").asText());
        assertEquals("DOWN", down.path("checks").path("output").path("status").asText());
        assertTrue(down.path("checks").path("output").path("detail").asText().contains("connection refused to 127.0.0.1:9092"));
        assertEquals("UP", down.path("checks").path("disk").path("status").asText());
        output.bindTo(registry);
        assertEquals(0, PrometheusText.value(get("/metrics").body(), "polybus_broker_reachable", Map.of("pipeline", "output")));
        output.brokerReachable();
        assertEquals("UP", health(200).path("status").asText());
        assertEquals(1, PrometheusText.value(get("/metrics").body(), "polybus_broker_reachable", Map.of("pipeline", "output")));
    }

    @Test
    void healthFailsWhenAcknowledgementsAreStuck() throws Exception {
        output.ackPending();
        output.ackPending();
        clock.advance(Duration.ofMinutes(1));
        output.ackCompleted();
        clock.advance(Duration.ofSeconds(90));
        assertEquals("UP", health(200).path("status").asText(), "an ack completed 90 s ago");
        clock.advance(Duration.ofSeconds(31));
        assertTrue(health(503).path("checks").path("output").path("detail").asText().startsWith("1 acknowledgements pending"));
        output.ackCompleted();
        assertEquals("UP", health(200).path("status").asText());
    }

    @Test
    void unknownPathsAndMethodsAreRefused() throws Exception {
        assertEquals(404, get("/metrics/extra").statusCode());
        assertEquals(404, get("/").statusCode());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void aTakenPortIsNamed() {
        MetricsConfig same = new MetricsConfig(true, "127.0.0.1", server.port(), null, null);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MetricsServer.start(same, registry, Map.of()));
        assertTrue(e.getMessage().contains("127.0.0.1:" + server.port()), e.getMessage());
    }
}
