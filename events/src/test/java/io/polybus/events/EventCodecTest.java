package io.polybus.events;

import io.polybus.Message;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What the one writer writes, the one reader reads: the event format, packs included. */
class EventCodecTest {
    @Test
    void aWrittenEventReadsBackWithEveryPartOfTheFormat() {
        MutableEvent e = new MutableEvent("web-1", "file", "nginx", StandardCharsets.UTF_8);
        byte[] line = "GET \"/\" \u00e9".getBytes(StandardCharsets.UTF_8);
        e.reset(line, 0, line.length, 1_700_000_000_123L, Origin.file("/var/log/a.log", "1:2:ab"), 42);
        e.fields().put("status", 502);
        e.tag("_split");
        JsonEvent read = JsonEvent.parse(new EventWriter().write(e));
        assertEquals("2023-11-14T22:13:20.123Z", read.get(FieldPath.of("timestamp")));
        assertEquals("GET \"/\" \u00e9", read.get(FieldPath.of("message")));
        assertEquals(Map.of("type", "file", "name", "nginx", "path", "/var/log/a.log", "file_id", "1:2:ab", "offset", 42L),
                read.get(FieldPath.of("source")));
        assertEquals(502L, read.get(FieldPath.of("status")));
        assertEquals(List.of("_split"), read.get(FieldPath.of("tags")));
        assertEquals("1:2:ab@42", read.identity("m-1", -1), "an event that names its origin is identified by it");
    }

    @Test
    void fieldsOfEveryTypeReadBackAsJacksonWouldWriteThem() throws Exception {
        MutableEvent e = new MutableEvent("h", "file", "app", StandardCharsets.UTF_8);
        e.reset("line", 0, Origin.peer("10.0.0.7:514"), 0);
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("quote\"back\\slash", List.of(1, "\u00e9t\u00e9 \uD83D\uDE00", true));
        nested.put("none", null);
        e.fields().put("text", "tab\there\nnew line \u0001 and \u007f");
        e.fields().put("unicode", "caf\u00e9 \"\u4e2d\"");
        e.fields().put("long", Long.MIN_VALUE);
        e.fields().put("int", -42);
        e.fields().put("double", 0.1 + 0.2);
        e.fields().put("big", new BigDecimal("12345678901234567890.5"));
        e.fields().put("nan", Double.NaN);
        e.fields().put("flag", false);
        e.fields().put("nested", nested);
        byte[] written = new EventWriter().write(e);
        ObjectMapper json = new ObjectMapper();
        JsonNode fields = json.readTree(written).get("fields");
        assertEquals(json.readTree(json.writeValueAsBytes(e.fields())), fields);
        assertEquals(List.of("text", "unicode", "long", "int", "double", "big", "nan", "flag", "nested"),
                names(fields), "in the order of the map");
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aMessageReadAsTextIsWrittenAsItWasAndAReplacedOneAsReplaced() throws Exception {
        MutableEvent e = new MutableEvent("h", "file", "app", StandardCharsets.UTF_8);
        byte[] line = "say \"hi\"\tthere".getBytes(StandardCharsets.US_ASCII);
        e.reset(line, 0, line.length, 0, Origin.file("/a.log", "1:2:ab"), 0);
        assertEquals("say \"hi\"\tthere", e.message());
        ObjectMapper json = new ObjectMapper();
        assertEquals("say \"hi\"\tthere", json.readTree(new EventWriter().write(e)).get("message").asText());
        e.message("replaced \u00e9");
        assertEquals("replaced \u00e9", json.readTree(new EventWriter().write(e)).get("message").asText());
        e.reset(line, 0, line.length, 0, Origin.file("/a.log", "1:2:ab"), 10);
        assertEquals("say \"hi\"\tthere", json.readTree(new EventWriter().write(e)).get("message").asText(),
                "the next record is its own line again");
    }

    @Test
    void aNetworkEventNamesItsPeerAndIsIdentifiedByItsMessage() {
        MutableEvent e = new MutableEvent("h", "syslog", "sys", StandardCharsets.UTF_8);
        e.reset("hello", 0, Origin.peer("10.0.0.7:514"), 0);
        JsonEvent read = JsonEvent.parse(new EventWriter().write(e));
        assertEquals(Map.of("type", "syslog", "name", "sys", "peer", "10.0.0.7:514"), read.get(FieldPath.of("source")));
        assertEquals("id:m-1#3", read.identity("m-1", 3));
        assertNull(JsonEvent.parse("not json".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aPackCarriesItsEventsInOrder() {
        EventPack pack = new EventPack();
        pack.add("{\"message\":\"a\"}".getBytes(StandardCharsets.UTF_8));
        pack.add("{\"message\":\"b\"}".getBytes(StandardCharsets.UTF_8));
        Message m = pack.take(Message.builder("logs"));
        assertEquals("2", m.header(EventPack.COUNT_HEADER));
        assertEquals(List.of("{\"message\":\"a\"}", "{\"message\":\"b\"}"),
                EventPack.events(m).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
        assertEquals(0, pack.count());
    }

    @Test
    void aPackIsSplitAtEveryLineFeedWhateverTheLengthsAndTheCountHeaderSay() {
        List<String> lines = new java.util.ArrayList<>(List.of(""));
        for (int n = 0; n < 20; n++) {
            lines.add("\u00e9".repeat(n % 3) + "x".repeat(n));
        }
        lines.add("");
        Message m = Message.builder("logs").header(EventPack.CONTENT_TYPE_HEADER, EventPack.CONTENT_TYPE)
                .header(EventPack.COUNT_HEADER, "1").payload(String.join("\n", lines)).build();
        assertEquals(lines, EventPack.events(m).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
    }
}
