package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.Message;
import io.polybus.events.EventPack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.polybus.agent.FileTailingTest.append;
import static io.polybus.agent.FileTailingTest.lines;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code delivery.events-per-message}: what goes into one message, and that packing changes no event. */
class EventPackingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** Ships the test directory's {@code *.log} (read once) with the given packing; returns each file's events, without the timestamp. */
    private Map<String, List<JsonNode>> ship(String run, int eventsPerMessage, int expected) throws IOException {
        return ship(run, eventsPerMessage, "none", expected);
    }

    private Map<String, List<JsonNode>> ship(String run, int eventsPerMessage, String compression, int expected) throws IOException {
        try (AgentFixture fx = new AgentFixture(Files.createDirectories(dir.resolve(run)))) {
            String yaml = AgentFixture.eventsPerMessage(fx.yaml(AgentFixture.fileSource("app", dir + "/*.log", "")), eventsPerMessage)
                    .replace("  batch-events: 64\n", "  batch-events: 64\n  compression: " + compression + "\n");
            fx.start(yaml, true, new ByteArrayInputStream(new byte[0]));
            await().atMost(WAIT).until(() -> fx.events.size() >= expected);
            Map<String, List<JsonNode>> byFile = new TreeMap<>();
            for (JsonNode e : fx.snapshot()) {
                ((ObjectNode) e).remove("timestamp");
                byFile.computeIfAbsent(e.at("/source/path").asText(), p -> new ArrayList<>()).add(e);
            }
            boolean packed = fx.received.stream().anyMatch(EventPack::isPack);
            assertEquals(eventsPerMessage > 1, packed, "packs only when asked to");
            if (!packed) {
                assertTrue(fx.received.stream().allMatch(m -> m.headers().isEmpty()), "single events carry no headers");
            }
            return byFile;
        }
    }

    @Test
    void packedAndUnpackedShipTheSameEventsInTheSameOrderPerFile() throws IOException {
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        append(a, lines(0, 500));
        append(b, "tab\there, \"quoted\", \\ back, caf\u00e9\n" + "x".repeat(5000) + "\n" + lines(500, 700) + "no newline at the end");
        int total = 500 + 2 + 200 + 1;
        Map<String, List<JsonNode>> single = ship("single", 1, total);
        Map<String, List<JsonNode>> packed = ship("packed", 64, total);
        assertEquals(List.of(a.toString(), b.toString()), List.copyOf(single.keySet()));
        assertEquals(500, single.get(a.toString()).size());
        assertEquals(single, packed);
    }

    @Test
    void compressedPacksAndEventsShipTheSameEvents() throws IOException {
        Path a = dir.resolve("a.log");
        append(a, lines(0, 300) + "caf\u00e9 \"quoted\"\n");
        int total = 301;
        Map<String, List<JsonNode>> plain = ship("plain", 1, total);
        assertEquals(plain, ship("zstd-packed", 64, "zstd", total));
        assertEquals(plain, ship("gzip-single", 1, "gzip", total));
        assertEquals(plain, ship("lz4-packed", 64, "lz4", total));
    }

    @Test
    void aPackHoldsAtMostTheCountAndTheBytesAndOneTopicAndKey() throws IOException {
        Path log = dir.resolve("app.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append("x a count-").append(i).append('\n');
        }
        sb.append("x b key-changed-1\nx b key-changed-2\nx b key-changed-3\n");
        sb.append("y b topic-changed-1\ny b topic-changed-2\n");
        for (int i = 0; i < 9; i++) {
            sb.append("y c bytes-").append(i).append(' ').append("z".repeat(1000)).append('\n');
        }
        sb.append("y c ").append("o".repeat(5000)).append('\n');
        sb.append("y c after-the-big-one\n");
        append(log, sb.toString());
        int total = 20 + 3 + 2 + 9 + 1 + 1;
        long cap = 4096;
        try (AgentFixture fx = new AgentFixture(dir, "logs-x", "logs-y")) {
            String yaml = AgentFixture.eventsPerMessage(fx.yaml(AgentFixture.fileSource("app", log.toString(),
                    "    topic: 'logs-{t}'\n    key: '{k}'\n    processors: [{type: regex, pattern: '^(?<t>\\w) (?<k>\\w) '}]\n")), 8)
                    .replace("  events-per-message: 8\n", "  events-per-message: 8\n  max-message-bytes: " + cap + "\n");
            fx.start(yaml, true, new ByteArrayInputStream(new byte[0]));
            await().atMost(WAIT).until(() -> fx.events.size() >= total);
            List<Message> messages = new ArrayList<>(fx.received);
            assertEquals(List.of("x/a 8", "x/a 8", "x/a 4"), shape(messages, "logs-x", "a"));
            assertEquals(List.of("x/b 3"), shape(messages, "logs-x", "b"));
            assertEquals(List.of("y/b 2"), shape(messages, "logs-y", "b"));

            List<Message> c = messages.stream().filter(m -> "c".equals(m.keyAsString())).toList();
            Message big = c.stream().filter(m -> !EventPack.isPack(m)).findFirst().orElseThrow();
            assertNull(big.header(EventPack.COUNT_HEADER), "an event larger than the cap goes alone, as a plain message");
            assertTrue(big.payloadAsString().contains("o".repeat(5000)));
            List<Message> bytePacks = c.subList(0, c.indexOf(big));
            assertEquals(9, bytePacks.stream().mapToInt(m -> EventPack.events(m).size()).sum());
            for (int i = 0; i < bytePacks.size(); i++) {
                Message m = bytePacks.get(i);
                assertTrue(m.sizeInBytes() <= cap, "within the byte cap: " + m.sizeInBytes());
                assertEquals(String.valueOf(EventPack.events(m).size()), m.header(EventPack.COUNT_HEADER));
                if (i + 1 < bytePacks.size()) {
                    int next = EventPack.events(bytePacks.get(i + 1)).get(0).length;
                    assertTrue(m.sizeInBytes() + 1 + next > cap, "a pack is sent when the next event would not fit");
                    assertTrue(EventPack.events(m).size() > 1, "the cap leaves room for more than one of these events");
                }
            }
            assertTrue(EventPack.isPack(c.get(c.size() - 1)), "packing resumes after the big event");
            assertEquals(c.size() - 1, c.indexOf(big) + 1, "the event after the big one is the last message");
        }
    }

    /** The topic/key and event count of each message of {@code topic} and {@code key}, in order. */
    private static List<String> shape(List<Message> messages, String topic, String key) {
        return messages.stream().filter(m -> m.topic().equals(topic) && key.equals(m.keyAsString()))
                .map(m -> {
                    List<byte[]> events = EventPack.events(m);
                    assertEquals(String.valueOf(events.size()), m.header(EventPack.COUNT_HEADER));
                    assertEquals(EventPack.CONTENT_TYPE, m.header(EventPack.CONTENT_TYPE_HEADER));
                    return topic.substring("logs-".length()) + "/" + m.keyAsString() + " " + events.size();
                }).toList();
    }

    @Test
    void aPackSplitsBackIntoItsLinesAndASingleEventStaysWhole() {
        Message single = Message.builder("t").payload("{\"a\":1}").build();
        assertFalse(EventPack.isPack(single));
        assertEquals(List.of("{\"a\":1}"), EventPack.events(single).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
        Message pack = Message.builder("t").header(EventPack.CONTENT_TYPE_HEADER, EventPack.CONTENT_TYPE)
                .header(EventPack.COUNT_HEADER, "3").payload("{\"a\":1}\n\n{\"a\":3}").build();
        assertEquals(List.of("{\"a\":1}", "", "{\"a\":3}"), EventPack.events(pack).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
    }
}
