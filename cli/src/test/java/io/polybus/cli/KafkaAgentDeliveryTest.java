package io.polybus.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.agent.Agent;
import io.polybus.agent.AgentFixture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the agent reports when a real Kafka does not take every event: it never says all was delivered. */
@ExtendWith(InProcessKafka.class)
class KafkaAgentDeliveryTest {
    @TempDir
    Path dir;

    /**
     * A topic made by someone else with a smaller max.message.bytes than the agent's max-message-bytes refuses the
     * long lines for good; the agent drops them (counted, logged), and its stop, which {@code --once} turns into
     * the exit code, says that not everything was delivered.
     */
    @Test
    void onceDoesNotReportDoneWhenTheTopicRefusedLinesAsTooLarge() throws Exception {
        String topic = "logs-small-" + UUID.randomUUID().toString().substring(0, 8);
        String servers = InProcessKafka.config().get("bootstrap-servers").orElseThrow();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of("max.message.bytes", "2048")))).all().get();
        }
        Files.writeString(dir.resolve("app.log"), "short line\n" + "x".repeat(4000) + "\nanother short line\n");
        String yaml = "agent: {host: refused, data-dir: '" + dir.resolve("data") + "'}\n"
                + "delivery: {retry-backoff: 20ms, retry-backoff-max: 200ms, shutdown-timeout: 10s}\n"
                + AgentFixture.brokerYaml(InProcessKafka.config())
                + "sources:\n  - {name: app, type: file, paths: ['" + dir + "/app.log'], start-at: beginning, topic: "
                + topic + "}\n";
        try (Agent agent = Agent.fromYaml(yaml, new SimpleMeterRegistry())) {
            agent.start(new Agent.RunOptions(true, InputStream.nullInputStream()));
            assertTrue(agent.awaitSourcesEnded(Duration.ofSeconds(60)), "the source read its file to the end");
            assertFalse(agent.stop(), "a line the topic refused was reported as delivered");
        }
    }
}
