package io.polybus.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The {@code route} processor picks each event's topic by the one condition language; events no route takes go
 * to the source's topic, and a pack never mixes topics.
 */
class RouteTest {
    @TempDir
    Path dir;

    @Test
    void eventsGoToTheTopicTheirRouteNamesAndTheRestToTheSourcesTopic() throws Exception {
        Path log = dir.resolve("access.log");
        Files.writeString(log, String.join("\n",
                "{\"status\":200,\"service\":\"shop\",\"uri\":\"/\"}",
                "{\"status\":502,\"service\":\"shop\",\"uri\":\"/cart\"}",
                "not json at all",
                "{\"status\":503,\"service\":\"shop\",\"uri\":\"/pay\"}",
                "{\"status\":404,\"service\":\"shop\",\"uri\":\"/x\"}") + "\n");
        try (AgentFixture fixture = new AgentFixture(dir, "web", "web-errors-shop", "web-dead")) {
            String source = AgentFixture.fileSource("web", log.toString(), "    topic: web\n    processors:\n"
                    + "      - {type: json}\n"
                    + "      - type: route\n        routes:\n"
                    + "          - {when: {field: status, gte: 500}, topic: 'web-errors-{service}'}\n"
                    + "          - {when: {field: tags, contains: _json_parse_failure}, topic: web-dead}\n");
            fixture.start(AgentFixture.eventsPerMessage(fixture.yaml(source), 16));
            await().atMost(Duration.ofSeconds(30)).until(() -> fixture.events.size() == 5);
            Map<String, List<String>> byTopic = new TreeMap<>();
            fixture.snapshot().forEach(e -> byTopic.computeIfAbsent(e.get("_topic").asText(), t -> new java.util.ArrayList<>())
                    .add(e.path("fields").path("uri").asText(e.get("message").asText())));
            assertEquals(Map.of("web", List.of("/", "/x"), "web-errors-shop", List.of("/cart", "/pay"), "web-dead", List.of("not json at all")),
                    byTopic);
        }
    }
}
