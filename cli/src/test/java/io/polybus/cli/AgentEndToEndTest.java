package io.polybus.cli;

import io.polybus.agent.AgentFixture;
import io.polybus.agent.Agent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * End to end on a real broker: the agent tails a file that is rotated (rename and create) while lines are
 * written; a plain consumer of the topic must receive every line. Extend once per broker module with its
 * {@link #brokerConfig()}.
 */
public abstract class AgentEndToEndTest {
    private static final int LINES = 20_000;
    private static final int ROTATE_EVERY = 4_000;

    @TempDir
    Path dir;

    /** The broker section the agent and the checking consumer use (type and connection keys). */
    protected abstract Config brokerConfig();

    /** The topic of one test run; a module whose broker keeps topics overrides this to delete it afterwards. */
    protected String newTopic() {
        return "logs-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Renders a broker configuration as the YAML of the agent's {@code broker} section. */
    @Test
    void everyLineWrittenDuringRotationsArrives() throws Exception {
        String topic = newTopic();
        Map<Integer, Integer> received = new ConcurrentHashMap<>();
        AtomicLong duplicates = new AtomicLong();
        Path log = dir.resolve("app.log");
        Files.createFile(log);
        String yaml = "agent: {host: e2e, data-dir: '" + dir.resolve("data") + "', checkpoint-interval: 100ms}\n"
                + "delivery: {retry-backoff: 20ms, retry-backoff-max: 500ms}\n"
                + AgentFixture.brokerYaml(brokerConfig())
                + "sources:\n  - {name: app, type: file, paths: ['" + dir + "/app.log*'], scan-interval: 50ms, topic: " + topic
                + ", processors: [{type: regex, pattern: '^line-(?<n>\\d+)', numbers: [n]}]}\n";
        try (Broker broker = Brokers.open(brokerConfig());
             Consumer ignored = broker.subscribe(ConsumerOptions.builder(topic, "e2e-check").ackMode(AckMode.AUTO).build(), d -> {
                 int n = AgentFixture.JSON.readTree(d.message().unsafePayload()).at("/fields/n").asInt();
                 if (received.merge(n, 1, Integer::sum) > 1) {
                     duplicates.incrementAndGet();
                 }
             });
             Agent agent = Agent.fromYaml(yaml, new SimpleMeterRegistry())) {
            agent.start(Agent.RunOptions.defaults());
            int rotation = 0;
            for (int i = 0; i < LINES; i += 500) {
                Files.writeString(log, numbered(i, i + 500), StandardOpenOption.APPEND);
                if ((i + 500) % ROTATE_EVERY == 0) {
                    Files.move(log, dir.resolve("app.log." + (++rotation)));
                    Files.createFile(log);
                }
            }
            await().atMost(Duration.ofMinutes(2)).until(() -> received.size() >= LINES);
        }
        assertEquals(LINES, received.size(), "every line arrived");
        System.out.printf("%s: %d lines, %d duplicates%n", getClass().getSimpleName(), LINES, duplicates.get());
    }

    static String numbered(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append("line-").append(i).append(" GET /api/orders 200 some padding to make the line about a hundred bytes long\n");
        }
        return sb.toString();
    }
}
