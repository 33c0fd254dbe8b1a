package io.polybus.events;

import io.polybus.Config;
import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one condition language means the same on an event being processed and on one read back from JSON. */
class ConditionTest {
    private static final String JSON = "{\"timestamp\":\"2026-11-21T10:00:00Z\",\"host\":\"web-1\",\"message\":\"GET /health 200\","
            + "\"source\":{\"type\":\"file\",\"name\":\"nginx\",\"path\":\"/var/log/a.log\",\"file_id\":\"1:2:ab\",\"offset\":42},"
            + "\"fields\":{\"status\":\"502\",\"bytes\":1234,\"time\":0.25,\"user\":{\"id\":7},\"huge\":9007199254740993},\"tags\":[\"_split\"]}";

    private static Condition parse(String yaml) {
        return Condition.parse(Config.readYaml("c: " + yaml, Map.<String, String>of()::get).get("c"), "c");
    }

    /** The same event both ways: a JsonEvent, and a MutableEvent a processor would see. */
    private static List<FieldSource> events() {
        MutableEvent e = new MutableEvent("web-1", "file", "nginx", StandardCharsets.UTF_8);
        byte[] line = "GET /health 200".getBytes(StandardCharsets.UTF_8);
        e.reset(line, 0, line.length, 1_700_000_000_000L, Origin.file("/var/log/a.log", "1:2:ab"), 42);
        e.fields().putAll(Map.of("status", "502", "bytes", 1234, "time", 0.25, "user", Map.of("id", 7), "huge", 9007199254740993L));
        e.tag("_split");
        return List.of(JsonEvent.parse(JSON.getBytes(StandardCharsets.UTF_8)), e);
    }

    private static void holds(boolean expected, String yaml) {
        Condition c = parse(yaml);
        for (FieldSource e : events()) {
            assertEquals(expected, c.test(e), yaml + " on " + e.getClass().getSimpleName());
        }
    }

    @Test
    void numbersCompareAsNumbersWithNumericStringsAndWholeNumbersExactly() {
        holds(true, "{field: status, gte: 500}");
        holds(true, "{field: fields.status, equals: 502}");
        holds(false, "{field: status, lt: 500}");
        holds(true, "{field: time, gt: 0.2}");
        holds(true, "{field: bytes, in: [1234, 5678]}");
        holds(true, "{field: huge, gt: 9007199254740992}");
        holds(false, "{field: huge, equals: 9007199254740992}");
    }

    @Test
    void textOperatorsAndPaths() {
        holds(true, "{field: message, matches: '^GET /health'}");
        holds(true, "{field: message, contains: health}");
        holds(true, "{field: host, equals: web-1}");
        holds(true, "{field: source.name, equals: nginx}");
        holds(true, "{field: source.offset, equals: 42}");
        holds(true, "{field: user.id, equals: 7}");
        holds(true, "{field: tags, contains: _split}");
        holds(false, "{field: tags, contains: _truncated}");
        holds(true, "{field: status, not-equals: '200'}");
    }

    @Test
    void aMissingFieldMeetsOnlyNotEqualsAndExistsFalse() {
        holds(true, "{field: missing, not-equals: x}");
        holds(true, "{field: missing, exists: false}");
        holds(false, "{field: missing, exists: true}");
        holds(false, "{field: missing, equals: x}");
        holds(false, "{field: missing, lt: 10}");
        holds(false, "{field: missing, gte: -10}");
    }

    @Test
    void combinatorsAndListsOfConditions() {
        holds(true, "[{field: status, gte: 500}, {field: host, equals: web-1}]");
        holds(false, "[{field: status, gte: 500}, {field: host, equals: web-2}]");
        holds(true, "{any: [{field: host, equals: web-2}, {field: status, equals: 502}]}");
        holds(true, "{not: {field: host, equals: web-2}}");
        holds(false, "{all: [{field: status, gte: 500}, {not: {field: message, contains: health}}]}");
        assertEquals(Set.of(FieldPath.of("status"), FieldPath.of("host")),
                parse("{any: [{field: host, equals: a}, {field: fields.status, gt: 1}]}").fields());
    }

    @Test
    void aComparisonThatDecidesSparesTheRegularExpressionItsScan() {
        List<String> read = new java.util.ArrayList<>();
        FieldSource event = path -> {
            read.add(path.canonical());
            return path.canonical().equals("fields.status") ? 200L : "GET /health 200";
        };
        assertFalse(parse("[{field: message, matches: 'health'}, {field: status, gte: 500}]").test(event));
        assertEquals(List.of("fields.status"), read);
        read.clear();
        assertTrue(parse("{any: [{field: message, matches: 'health'}, {field: status, lt: 500}]}").test(event));
        assertEquals(List.of("fields.status"), read);
        assertEquals("{all: [{field: message, matches: health}, {field: status, gte: 500}]}",
                parse("[{field: message, matches: 'health'}, {field: status, gte: 500}]").toString(), "written as given");
    }

    @Test
    void aRegularExpressionMeansTheSameWithTheSearchForItsLiteralsFirst() {
        holds(true, "{field: message, matches: '(?i)HEALTH|nothing'}");
        holds(true, "{field: message, matches: 'xyz|/heal+th'}");
        holds(true, "{field: message, matches: 'zzz|he?alth'}");
        holds(true, "{field: message, matches: 'POST|\\/health 2[0-9]+'}");
        holds(false, "{field: message, matches: 'GET  |POST|(?i)DELETE'}");
        holds(false, "{field: message, matches: '(?i)sqlmap|nikto'}");
        holds(true, "{field: message, matches: 'a*|b'}");
    }

    @Test
    void theSearchForLiteralsFindsWhatTheExpressionFinds() {
        String[] expressions = {"(?i)sqlmap|nikto|masscan", "(?i)Ab|xYz", "(?i)q", "(?i)select.+from|union +select",
                "\\.\\./|/etc/passwd|%2e%2e", "\" 50[234] ", "ab+c|x?yz", "(?<=a)b|c"};
        String[] pieces = {"sqlmap", "SQLMAP", "NiKtO", "mAsScAn", "masca", "nikt", "ab", "aB", "XyZ", "xy", "Q", "q",
                "UNION  SELECT", "Select * From", "k", "\u212A", "é", "ı", "İ", " ", "/", "GET /index.html", "\"", "\u0000",
                "../", "/etc/passwd", "%2e%2e", "%2E", "\" 502 ", "\" 50", "abbc", "yz", "c", "a"};
        java.util.Random random = new java.util.Random(20261207);
        for (String expression : expressions) {
            Condition c = parse("{field: message, matches: '" + expression + "'}");
            Pattern pattern = Pattern.compile(expression);
            for (int n = 0; n < 20_000; n++) {
                StringBuilder text = new StringBuilder();
                for (int parts = random.nextInt(6); parts > 0; parts--) {
                    text.append(pieces[random.nextInt(pieces.length)]);
                }
                MutableEvent e = new MutableEvent("h", "file", "n", StandardCharsets.UTF_8);
                byte[] line = text.toString().getBytes(StandardCharsets.UTF_8);
                e.reset(line, 0, line.length, 0L, Origin.file("/a", "1:2:ab"), 0);
                assertEquals(pattern.matcher(text).find(), c.test(e), expression + " in '" + text + "'");
            }
        }
    }

    @Test
    void everyProblemIsNamedWithItsPath() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(
                "[{field: status, gte: 500, lt: 600}, {field: 'a..b', equals: 1}, {field: x, gt: many}, {gte: 1},"
                        + " {field: x, matches: '('}, {any: []}, {field: x, in: 3}, {all: [{field: x}], not: {}}, {field: x, exists: maybe}, 7]"));
        String all = String.join("\n", e.problems().stream().map(ConfigException.Problem::toString).toList());
        for (String expected : List.of("c[0]: 2 operators (gte, lt); give exactly one of", "c[1].field: 'a..b' is not valid",
                "c[2].gt: 'many' is not valid; expected a number", "c[3].field: required", "c[4].matches: '(' is not valid",
                "c[5].any: expected a non-empty list", "c[6].in: expected a non-empty list", "c[7]: 'all' stands alone",
                "c[8].exists: 'maybe' is not valid; expected true or false", "c[9]: expected a condition")) {
            assertTrue(all.contains(expected), "missing <" + expected + "> in:\n" + all);
        }
    }

    @Test
    void fieldPathsStartAtTheTopLevelOrUnderFields() {
        assertEquals("fields.status", FieldPath.of("status").canonical());
        assertEquals("source.file_id", FieldPath.of("source.file_id").canonical());
        assertTrue(FieldPath.of("status").equals(FieldPath.of("fields.status")));
        assertFalse(FieldPath.isValid("a..b"));
        assertFalse(FieldPath.isValid("{a}"));
    }
}
