package io.polybus.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.agent.AgentFixture;
import io.polybus.cli.PrometheusText;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One process runs the monitor and the metrics endpoint beside the agent when its file asks for them. */
class AgentWithMonitorTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @ParameterizedTest(name = "events-per-message {0}")
    @ValueSource(ints = {1, 16})
    void burstOfServerErrorsFiresOneAlertAndMetricsAgreeWithTheLinesShipped(int eventsPerMessage, @TempDir Path dir)
            throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path alerts = dir.resolve("alerts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int status = i < 30 ? 502 : 200;
            lines.add("{\"time_iso8601\":\"2026-11-21T10:00:00+00:00\",\"status\":" + status + ",\"request_uri\":\"/api/" + i + "\"}");
        }
        Files.write(logs.resolve("access.log"), lines);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (AgentFixture f = new AgentFixture(dir)) {
            String yaml = AgentFixture.eventsPerMessage(f.yaml(AgentFixture.fileSource("nginx", logs + "/*.log", "    processors:\n      - type: json\n"),
                    """
                    monitor:
                      topic: logs
                      group: in-process-monitor
                      time: arrival
                      rules:
                        - name: nginx-5xx-burst
                          type: threshold
                          where: [{field: fields.status, gte: 500}]
                          window: 1m
                          above: 20
                      notifiers:
                        - type: file
                          path: '%s'
                    metrics:
                      port: 0
                    """.formatted(alerts)), eventsPerMessage);
            try (PolybusProcess process = PolybusProcess.start(PolybusFile.parse(yaml, System::getenv, CliPlugins.load()),
                    new PolybusProcess.Options(false, false, null, InputStream.nullInputStream()), registry)) {

            await().atMost(Duration.ofSeconds(30)).until(() -> f.events.size() == 40);
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(alerts) && !Files.readAllLines(alerts).isEmpty());
            List<String> notices = Files.readAllLines(alerts);
            assertEquals(1, notices.size(), "one notice while the burst lasts: " + notices);
            JsonNode alert = AgentFixture.JSON.readTree(notices.get(0));
            assertEquals("nginx-5xx-burst", alert.get("rule").asText());
            assertEquals("firing", alert.get("status").asText());

            int port = process.metricsPort().orElseThrow();
            String metrics = get(port, "/metrics").body();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    PrometheusText.value(get(port, "/metrics").body(), "polybus_agent_events_acked_total", Map.of("source", "nginx")) == 40.0);
            assertTrue(metrics.contains("polybus_broker_reachable"), "agent health meter exported");
            HttpResponse<String> health = get(port, "/health");
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("agent") && health.body().contains("monitor"), health.body());
            }
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
