package io.polybus.sinks.internal.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.events.ComponentContext;
import io.polybus.events.Components;
import io.polybus.events.EventPack;
import io.polybus.events.SinkProvider;
import io.polybus.sinks.SinkRunner;
import io.polybus.sinks.SinksConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code opensearch} sink on a real OpenSearch 2.19 node of this class's own (in a JVM of its own), fed by the
 * sinks section over the memory broker.
 */
class OpenSearchSinkTest {
    private static final Map<String, SinkProvider> SINKS = Components.load(SinkProvider.class);
    private static LocalOpenSearch node;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String topic = "logs-" + id;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Broker broker;

    @BeforeAll
    static void startNode() throws Exception {
        node = LocalOpenSearch.open();
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void open() {
        broker = Brokers.open(Config.of("type", "memory", "name", "opensearch-" + id));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private SinkRunner start(String output) {
        Map<String, Object> section = Config.readYaml("sinks:\n  topic: " + topic + "\n  max-batch-wait: 50ms\n"
                + "  max-batch-events: 200\n  retry-backoff: 50ms\n  retry-backoff-max: 500ms\n  outputs:\n    - "
                + output + "\n", Map.<String, String>of()::get);
        SinksConfig config = SinksConfig.parse(section.get("sinks"), "sinks", SINKS);
        SinkRunner runner = SinkRunner.start(broker, config, new ComponentContext("sinks", "h", broker, Clock.systemUTC(), null),
                SinkRunner.defaultHealth());
        runner.bindTo(registry);
        return runner;
    }

    private static byte[] event(String service, String file, long offset, String message, String status) {
        return ("{\"timestamp\":\"2026-12-06T10:00:00.123Z\",\"host\":\"web-1\",\"message\":\"" + message + "\","
                + "\"source\":{\"type\":\"file\",\"name\":\"app\",\"path\":\"/var/log/app.log\",\"file_id\":\"" + file
                + "\",\"offset\":" + offset + "},\"fields\":{\"service\":\"" + service + "\",\"status\":" + status + "}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private void send(Producer producer, byte[] event) throws Exception {
        producer.send(Message.builder(topic).payload(event).build()).get();
    }

    @Test
    void redeliveredEventsAreStoredOnceUnderTheirIdInTheIndexOfTheirServiceAndDay() throws Exception {
        String prefix = "t1-" + id;
        try (SinkRunner runner = start("{type: opensearch, name: os-" + id + ", urls: '" + node.url() + "', index: '" + prefix
                + "-{service}-{yyyy.MM.dd}', compression: gzip}");
             Producer producer = broker.producer()) {
            EventPack pack = new EventPack();
            for (int i = 0; i < 50; i++) {
                pack.add(event("Web", "1:2:ab", i * 100L, "line " + i, "200"));
            }
            producer.send(pack.take(Message.builder(topic))).get();
            for (int i = 0; i < 50; i += 5) {
                send(producer, event("Web", "1:2:ab", i * 100L, "line " + i, "200"));
            }
            send(producer, event("api", "1:2:cd", 0, "other service", "201"));
            await().atMost(Duration.ofSeconds(60)).until(() -> node.count(prefix + "-*") == 51
                    && runner.health().check().healthy());
        }
        assertEquals(50, node.count(prefix + "-web-2026.12.06"), "the service is lower-cased into the name");
        assertEquals(1, node.count(prefix + "-api-2026.12.06"));
        JsonNode doc = node.get("/" + prefix + "-web-2026.12.06/_doc/1:2:ab@4900");
        assertEquals("line 49", doc.path("_source").path("message").asText(), doc.toString());
        JsonNode mapping = node.get("/" + prefix + "-web-2026.12.06/_mapping").elements().next().path("mappings").path("properties");
        assertEquals("date", mapping.path("timestamp").path("type").asText(), mapping.toString());
        assertEquals("text", mapping.path("message").path("type").asText(), mapping.toString());
        assertEquals("long", mapping.path("fields").path("properties").path("status").path("type").asText(), mapping.toString());
    }

    @Test
    void aMappingConflictGoesToTheDeadLetterTopicWithTheStoresReasonAndTheRestIsStored() throws Exception {
        String prefix = "t2-" + id;
        List<Message> dead = new CopyOnWriteArrayList<>();
        broker.subscribe(ConsumerOptions.builder(topic + ".dlq", "check").ackMode(AckMode.AUTO).build(), d -> dead.add(d.message()));
        try (SinkRunner runner = start("{type: opensearch, name: os-" + id + ", urls: '" + node.url() + "', index: '" + prefix + "'}");
             Producer producer = broker.producer()) {
            send(producer, event("web", "3:4:ab", 0, "a number", "200"));
            await().atMost(Duration.ofSeconds(60)).until(() -> node.count(prefix) == 1);
            // One bulk request with a document the store refuses and one it takes: a pack, so that the test does
            // not depend on how the runner maps the events of several messages back to them.
            EventPack pack = new EventPack();
            pack.add(event("web", "3:4:ab", 100, "not a number", "\"oops\""));
            pack.add(event("web", "3:4:ab", 200, "a number again", "404"));
            producer.send(pack.take(Message.builder(topic))).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> dead.size() == 1 && node.count(prefix) == 2);
        }
        String reason = String.valueOf(dead.get(0).headers());
        assertTrue(reason.contains("mapper_parsing_exception") && reason.contains("fields.status"), reason);
        assertTrue(dead.get(0).payloadAsString().contains("not a number"), dead.get(0).payloadAsString());
        assertEquals("a number again", node.get("/" + prefix + "/_doc/3:4:ab@200").path("_source").path("message").asText());
    }

    @Test
    void ecsNamesTheFieldsAsDashboardsAndKibanaExpect() throws Exception {
        String prefix = "t3-" + id;
        try (SinkRunner runner = start("{type: opensearch, name: os-" + id + ", urls: '" + node.url() + "', index: '" + prefix
                + "', ecs: true}");
             Producer producer = broker.producer()) {
            send(producer, event("web", "7:8:ab", 300, "ecs", "200"));
            await().atMost(Duration.ofSeconds(60)).until(() -> node.count(prefix) == 1);
        }
        JsonNode source = node.get("/" + prefix + "/_doc/7:8:ab@300").path("_source");
        assertEquals("2026-12-06T10:00:00.123Z", source.path("@timestamp").asText(), source.toString());
        assertEquals("web-1", source.path("host").path("name").asText(), source.toString());
        assertEquals("/var/log/app.log", source.path("log").path("file").path("path").asText(), source.toString());
        assertEquals(300, source.path("log").path("offset").asLong(), source.toString());
        assertEquals("8", source.path("log").path("file").path("inode").asText(), source.toString());
        JsonNode mapping = node.get("/" + prefix + "/_mapping").elements().next().path("mappings").path("properties");
        assertEquals("date", mapping.path("@timestamp").path("type").asText(), mapping.toString());
    }

    @Test
    void aNodeStoppedAndRestartedMidStreamLosesNothing() throws Exception {
        String prefix = "t4-" + id;
        int total = 3000;
        try (SinkRunner runner = start("{type: opensearch, name: os-" + id + ", urls: '" + node.url() + "', index: '" + prefix
                + "', request-timeout: 5s}");
             Producer producer = broker.producer()) {
            for (int i = 0; i < total / 2; i++) {
                send(producer, event("web", "5:6:ab", i, "before " + i, "200"));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> node.count(prefix) > 0);
            node.stop();
            for (int i = total / 2; i < total; i++) {
                send(producer, event("web", "5:6:ab", i, "during " + i, "200"));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> registry.get("polybus.sink.retries").functionCounter().count() > 0);
            node.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> node.count(prefix) == total);
        }
        assertEquals(total, node.count(prefix), "every event once, none lost while the node was down");
    }
}
