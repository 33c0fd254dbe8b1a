package io.polybus.events;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An event read lazily from its bytes reads as the same values as its tree; templates with time references. */
class JsonEventTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JACKSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** Pieces of random strings, as they appear in an event's JSON: plain text, every escape, UTF-8 beyond ASCII. */
    private static final String[] PIECES = {"a", "Z", "0", " ", "-", "_", "/", "GET /x HTTP/1.1", "\\\"", "\\\\", "\\/",
            "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u20AC", "\\uD83D\\uDE00", "\\ud800", "\\u0000",
            "\u00e9", "\u20ac", "\uD83D\uDE00", "%2e", "sqlmap", "12345678"};
    private static final String NAME = "abxyzAZ09_-";
    private static final String EVENT = "{\"timestamp\":\"2026-12-06T10:00:00.123Z\",\"host\":\"w\\u00e9b-1\",\"message\":\"a\\\"b\","
            + "\"source\":{\"type\":\"file\",\"file_id\":\"1:2:ab\",\"offset\":42},\"fields\":{\"status\":502,\"rt\":0.5,"
            + "\"ok\":true,\"none\":null,\"req\":{\"method\":\"GET\"}},\"tags\":[\"a\",1],\"extra\":\"x\"}";

    private static JsonEvent parse(String json) {
        return JsonEvent.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyPathReadsTheSameFromTheBytesAsFromTheTree() {
        JsonEvent lazy = parse(EVENT);
        JsonEvent tree = JsonEvent.of(parse(EVENT).json());
        for (String path : List.of("timestamp", "host", "message", "source", "source.offset", "source.missing", "status", "rt",
                "ok", "none", "req", "req.method", "fields.req.method.deeper", "tags", "missing", "extra")) {
            assertEquals(tree.get(FieldPath.of(path)), lazy.get(FieldPath.of(path)), path);
        }
        assertEquals("w\u00e9b-1", lazy.get(FieldPath.of("host")));
        assertEquals("a\"b", lazy.get(FieldPath.of("message")));
        assertEquals(502L, lazy.get(FieldPath.of("status")));
        assertEquals(Map.of("method", "GET"), lazy.get(FieldPath.of("req")));
        assertEquals("1:2:ab@42", lazy.identity("m", 3));
        assertEquals(tree.identity("m", 3), lazy.identity("m", 3));
    }

    @Test
    void numbersAndEscapedNamesReadFromTheBytesAsFromTheTree() {
        String json = "{\"fields\":{\"a\":-12,\"b\":0.012,\"c\":1e3,\"d\":12345678901234567890,\"e\":-0.5,"
                + "\"f\":123456789012345678,\"g\":3.141592653589793238,\"st\\u0061tus\":\"x\",\"h\":0}}";
        JsonEvent lazy = parse(json);
        JsonEvent tree = JsonEvent.of(parse(json).json());
        for (String path : List.of("a", "b", "c", "d", "e", "f", "g", "h", "status")) {
            assertEquals(tree.get(FieldPath.of(path)), lazy.get(FieldPath.of(path)), path);
        }
        assertEquals(0.012, lazy.get(FieldPath.of("b")));
        assertEquals("x", lazy.get(FieldPath.of("status")));
    }

    @Test
    void anEventSerializesAsItsJson() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(parse(EVENT));
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            JsonEvent back = (JsonEvent) in.readObject();
            assertEquals(parse(EVENT).json(), back.json());
            assertEquals("1:2:ab@42", back.identity("m", 3));
        }
    }

    @Test
    void topLevelValuesComeAsTheyCameAndExtraKeysAreFound() {
        JsonEvent e = parse(EVENT);
        assertArrayEquals("[\"a\",1]".getBytes(StandardCharsets.UTF_8), e.rawJson("tags"));
        assertEquals("{\"type\":\"file\",\"file_id\":\"1:2:ab\",\"offset\":42}", new String(e.rawJson("source"), StandardCharsets.UTF_8));
        assertNull(e.rawJson("missing"));
        assertTrue(e.hasKeysOtherThan(FieldPath.TOP_LEVEL));
        assertFalse(parse("{\"host\":\"h\",\"fields\":{}}").hasKeysOtherThan(FieldPath.TOP_LEVEL));
    }

    @Test
    void aRepeatedKeyReadsAsItsLastValueAndWithoutAnOriginTheMessageIdIdentifies() {
        JsonEvent e = parse("{\"host\":\"a\",\"source\":{\"file_id\":\"1:2:ab\",\"offset\":1},\"host\":\"b\",\"source\":{\"offset\":2}}");
        assertEquals("b", e.get(FieldPath.of("host")));
        assertEquals("id:m#3", e.identity("m", 3), "the last source has no file_id");
        assertEquals("id:m", parse("{\"source\":{\"file_id\":\"1:2:ab\",\"offset\":\"7\"}}").identity("m", -1));
    }

    @Test
    void whatIsNotAJsonObjectIsNoEvent() {
        for (String bad : List.of("", "[1]", "\"text\"", "{\"a\":", "{\"a\":1,}", "{\"a\":\"\\q\"}", "{\"a\" 1}",
                "{\"a\":\"tab\there\"}", "{\"a\":\"no end}", "{\"a\":\"line\nbreak\"}")) {
            assertNull(parse(bad), bad);
        }
        assertNull(JsonEvent.parse(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'}), "not UTF-8");
    }

    @Test
    void timeReferencesAreTheEventsTimestampInUtcOrTheClocksWithoutOne() {
        Clock clock = Clock.fixed(Instant.parse("2030-01-02T03:04:05Z"), ZoneOffset.UTC);
        Template t = Template.withTime("logs-{host}-{yyyy.MM.dd}/{HH}", clock);
        assertEquals("logs-web-2026.12.06/23", t.render(parse("{\"timestamp\":\"2026-12-06T23:59:59.999Z\",\"host\":\"web\"}")));
        assertEquals("logs-web-2026.12.06/23", t.render(parse("{\"timestamp\":\"2026-12-06T23:59:59.001Z\",\"host\":\"web\"}")));
        assertEquals("logs-web-2026.12.07/00", t.render(parse("{\"timestamp\":\"2026-12-07T01:00:00+01:00\",\"host\":\"web\"}")));
        assertEquals("logs-unknown-2030.01.02/03", t.render(parse("{\"timestamp\":\"yesterday\"}")));
        assertEquals("logs-unknown-2030.01.02/03", t.render(parse("{}")));
        assertEquals(List.of(FieldPath.of("host")), t.references());
        assertEquals("{yyyy}", Template.parse("{yyyy}").render(path -> "{yyyy}"), "without time, {yyyy} is a field");
        assertThrows(IllegalArgumentException.class, () -> Template.withTime("logs-{host", clock));
        assertThrows(IllegalArgumentException.class, () -> Template.withTime("logs-{a b}", clock));
        assertEquals(Set.of(), Set.copyOf(Template.withTime("logs", clock).references()));
    }

    @Test
    void randomStringsReadFromTheBytesAsJacksonReadsThem() {
        Random random = new Random(16);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder name = new StringBuilder();
            StringBuilder escapedName = new StringBuilder();
            for (int k = 1 + random.nextInt(6); k > 0; k--) {
                int c = random.nextInt(NAME.length());
                name.append(NAME.charAt(c));
                escapedName.append(random.nextInt(4) == 0 ? String.format("\\u%04x", (int) NAME.charAt(c)) : NAME.charAt(c));
            }
            String value = randomText(random);
            String json = "{\"message\":\"" + value + "\",\"fields\":{\"" + escapedName + "\":\"" + value + "\",\"x\":1}}";
            JsonEvent lazy = parse(json);
            JsonEvent tree = JsonEvent.of(parse(json).json());
            for (FieldPath path : List.of(FieldPath.of("message"), FieldPath.of("fields." + name), FieldPath.of("x"))) {
                assertEquals(tree.get(path), lazy.get(path), json);
            }
        }
    }

    @Test
    void randomlyBrokenEventsAreRejectedAsJacksonRejectsThem() {
        // ASCII only: beyond it Jackson takes what the scanner refuses (overlong forms, stray bytes in names); valid
        // UTF-8 is read alike (randomStringsReadFromTheBytesAsJacksonReadsThem).
        byte[] interesting = {'"', '\\', 'u', '0', 'e', '.', '-', ',', ':', '}', '{', '[', ']', ' ', 1, 0x1F, 0x7F};
        String valid = "{\"timestamp\":\"2026-12-07T12:00:00.000Z\",\"host\":\"web-01\",\"message\":\"1.2.3.4 \\\"GET /a?q=\\u00e9 "
                + "HTTP/1.1\\\" 200 512 caf\u00e9\",\"source\":{\"offset\":1000000000042},\"fields\":{\"status\":200,\"rt\":0.012,"
                + "\"tags\":[\"a\",true,null,-1e3]}}";
        byte[] good = valid.getBytes(StandardCharsets.UTF_8);
        Random random = new Random(17);
        for (int n = 0; n < 50_000; n++) {
            byte[] b = good.clone();
            for (int k = 1 + random.nextInt(3); k > 0; k--) {
                b[random.nextInt(b.length)] = random.nextBoolean() ? interesting[random.nextInt(interesting.length)]
                        : (byte) random.nextInt(128);
            }
            if (random.nextInt(10) == 0) {
                b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
            }
            JsonEvent lazy = JsonEvent.parse(b);
            com.fasterxml.jackson.databind.JsonNode tree;
            try {
                tree = JACKSON.readTree(b);
            } catch (java.io.IOException e) {
                tree = null;
            }
            String text = new String(b, StandardCharsets.ISO_8859_1);
            assertEquals(tree != null && tree.isObject(), lazy != null, text);
            if (lazy != null) {
                for (String path : List.of("timestamp", "host", "message", "source.offset", "status", "rt", "tags")) {
                    assertEquals(JsonEvent.of((com.fasterxml.jackson.databind.node.ObjectNode) tree).get(FieldPath.of(path)),
                            lazy.get(FieldPath.of(path)), text);
                }
            }
        }
    }

    @Test
    void theEightByteScanStopsWhereAByteByByteScanStops() {
        Random random = new Random(18);
        byte[] alphabet = {'a', ' ', '~', '!', '#', '"', '\\', 0, 0x1F, 0x20, 0x21, 0x5B, 0x5D, 0x7F, (byte) 0x80, (byte) 0xC3, (byte) 0xFF};
        for (int n = 0; n < 100_000; n++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int k = 0; k < b.length; k++) {
                b[k] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) ('a' + random.nextInt(26));
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length);
            int slow = from;
            while (slow < b.length && !special(b[slow])) {
                slow++;
            }
            int fast = JsonEvent.special(b, from);
            while (fast < b.length && !special(b[fast])) {
                fast++;
            }
            assertEquals(slow, fast, java.util.Arrays.toString(b) + " from " + from);
        }
    }

    /** What a string's scan must stop at, byte by byte. */
    private static boolean special(byte c) {
        return c == '"' || c == '\\' || c < 0x20;
    }

    private static String randomText(Random random) {
        StringBuilder s = new StringBuilder();
        for (int k = random.nextInt(12); k > 0; k--) {
            s.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return s.toString();
    }

    @Test
    void pathsHintedByOneLayoutReadEveryOtherLayoutAsItsTreeDoes() {
        String[] topNames = {"host", "message", "a", "b", "source", "fields"};
        String[] innerNames = {"status", "uri", "a", "file_id", "offset"};
        String[] values = {"1", "-0", "-5", "9223372036854775807", "1.5", "1e3", "\"7\"", "\"web\"", "\"w\\u00e9b\"", "\"1:2:ab\"",
                "\"x\\\"y\"", "true", "null", "[1]"};
        List<FieldPath> paths = List.of(FieldPath.of("host"), FieldPath.of("message"), FieldPath.of("status"),
                FieldPath.of("uri"), FieldPath.of("a"), FieldPath.of("fields.a"), FieldPath.of("source.file_id"),
                FieldPath.of("source.offset"), FieldPath.of("source"));
        Random random = new Random(19);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder json = new StringBuilder("{");
            for (int k = random.nextInt(7); k > 0; k--) {
                String name = topNames[random.nextInt(topNames.length)];
                json.append('"').append(name).append("\":");
                if (name.equals("source") || name.equals("fields")) {
                    json.append('{');
                    for (int m = random.nextInt(5); m > 0; m--) {
                        String inner = innerNames[random.nextInt(innerNames.length)];
                        json.append('"').append(random.nextInt(8) == 0 ? "\\u0061" : inner).append("\":")
                                .append(values[random.nextInt(values.length)]).append(m > 1 ? "," : "");
                    }
                    json.append('}');
                } else {
                    json.append(values[random.nextInt(values.length)]);
                }
                json.append(k > 1 ? "," : "");
            }
            json.append('}');
            JsonEvent lazy = parse(json.toString());
            JsonEvent tree = JsonEvent.of(parse(json.toString()).json());
            for (FieldPath path : paths) {
                assertEquals(tree.get(path), lazy.get(path), path + " in " + json);
            }
            assertEquals(tree.identity("m", 1), lazy.identity("m", 1), json.toString());
        }
    }
}
