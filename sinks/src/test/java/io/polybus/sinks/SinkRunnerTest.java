package io.polybus.sinks;

import com.example.sink.RecordingSinkProvider;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sinks section over a sink found only in test sources, on the memory broker. */
class SinkRunnerTest {
    private static final Map<String, SinkProvider> SINKS = Components.load(SinkProvider.class);

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private Broker broker;

    @BeforeEach
    void open() {
        broker = Brokers.open(Config.of("type", "memory", "name", "sinks-" + id));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private SinkRunner start(String outputs) {
        Map<String, Object> section = Config.readYaml("sinks:\n  topic: logs-" + id + "\n  max-batch-wait: 50ms\n"
                + "  retry-backoff: 10ms\n  outputs:\n" + outputs, Map.<String, String>of()::get);
        SinksConfig config = SinksConfig.parse(section.get("sinks"), "sinks", SINKS);
        SinkRunner runner = SinkRunner.start(broker, config, new ComponentContext("sinks", "h", broker, Clock.systemUTC(), null),
                SinkRunner.defaultHealth());
        runner.bindTo(new SimpleMeterRegistry());
        return runner;
    }

    private static byte[] event(String file, long offset, String message) {
        return ("{\"timestamp\":\"2026-12-06T10:00:00Z\",\"host\":\"h\",\"message\":\"" + message + "\",\"source\":{\"type\":\"file\","
                + "\"name\":\"app\",\"file_id\":\"" + file + "\",\"offset\":" + offset + "}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aSinkDefinedOnlyInTestSourcesIsFoundByItsTypeAndStoresEachEventOnce() throws Exception {
        String name = "store-" + id;
        try (SinkRunner runner = start("    - {type: recording, name: " + name + "}\n");
             Producer producer = broker.producer()) {
            producer.send(Message.builder("logs-" + id).payload(event("1:2:ab", 0, "first")).build()).get();
            EventPack pack = new EventPack();
            pack.add(event("1:2:ab", 10, "second"));
            pack.add(event("1:2:ab", 20, "third"));
            producer.send(pack.take(Message.builder("logs-" + id))).get();
            producer.send(Message.builder("logs-" + id).payload(event("1:2:ab", 0, "first")).build()).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> RecordingSinkProvider.STORES.get(name).size() == 3);
            assertEquals(runner.health().check().healthy(), true);
        }
        assertEquals(Map.of("1:2:ab@0", "first", "1:2:ab@10", "second", "1:2:ab@20", "third"),
                Map.copyOf(RecordingSinkProvider.STORES.get(name).entrySet().stream().collect(java.util.stream.Collectors
                        .toMap(Map.Entry::getKey, e -> e.getValue().replaceAll(".*\"message\":\"([a-z]+)\".*", "$1")))),
                "the duplicate of the first event is stored once, under the id its origin gives");
    }

    @Test
    void aRefusedEventGoesToTheDeadLetterTopicWithTheStoresReasonAndTheRestIsStored() throws Exception {
        String name = "refusing-" + id;
        List<Message> dead = new CopyOnWriteArrayList<>();
        broker.subscribe(ConsumerOptions.builder("logs-" + id + ".dlq", "check").ackMode(AckMode.AUTO).build(),
                d -> dead.add(d.message()));
        try (SinkRunner runner = start("    - {type: recording, name: " + name + ", refuse-word: poison}\n");
             Producer producer = broker.producer()) {
            EventPack pack = new EventPack();
            pack.add(event("9:9:cd", 100, "fine too"));
            pack.add(event("9:9:cd", 112, "fine three"));
            producer.send(pack.take(Message.builder("logs-" + id))).get();
            producer.send(Message.builder("logs-" + id).payload(event("9:9:cd", 0, "poison pill")).build()).get();
            producer.send(Message.builder("logs-" + id).payload(event("9:9:cd", 12, "fine")).build()).get();
            producer.send(Message.builder("logs-" + id).payload("not json").build()).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> dead.size() == 2);
        }
        assertEquals(java.util.Set.of("9:9:cd@12", "9:9:cd@100", "9:9:cd@112"), RecordingSinkProvider.STORES.get(name).keySet());
        assertEquals(List.of("not json", "poison pill"), dead.stream()
                .map(m -> m.payloadAsString().replaceAll(".*\"message\":\"([a-z ]+)\".*", "$1")).sorted().toList(),
                "the message of the refused event is dead-lettered, not its neighbour in the batch");
        String reasons = dead.stream().map(m -> String.valueOf(m.headers())).toList().toString();
        assertTrue(reasons.contains("mapper_parsing_exception"), reasons);
        assertTrue(reasons.contains("not a JSON log event"), reasons);
    }

    @Test
    void aStoreThatIsDownIsRetriedUntilItTakesTheBatch() throws Exception {
        String name = "flaky-" + id;
        try (SinkRunner runner = start("    - {type: recording, name: " + name + ", fail-first: 3}\n");
             Producer producer = broker.producer()) {
            producer.send(Message.builder("logs-" + id).payload(event("5:5:ef", 0, "kept")).build()).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> RecordingSinkProvider.STORES.get(name).size() == 1);
        }
        assertEquals(4, RecordingSinkProvider.WRITES.get(name).get(), "three failed tries, then the one that stored it");
    }
}
