package io.polybus.agent.internal;

import io.polybus.ConfigException;
import io.polybus.events.MutableEvent;
import io.polybus.events.Origin;
import io.polybus.events.Processor;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dissect}, {@code kv}, {@code date}, {@code convert}, {@code route} and {@code sample} on real log lines. */
class ParsingProcessorsTest {
    static final String NGINX = "203.0.113.9 - alice [06/Dec/2026:23:59:58 +0100] \"GET /api/v1/items?id=7 HTTP/1.1\" 200 5120 "
            + "\"https://example.com/\" \"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0\"";
    static final String APACHE = "192.168.1.20 - - [07/Dec/2026:00:01:02 +0000] \"POST /login HTTP/1.0\" 302 - \"-\" \"curl/8.5.0\"";
    static final String SYSLOG = "Dec  7 00:05:11 web-1 sshd[4012]: Accepted publickey for deploy from 10.0.0.7 port 51514 ssh2";
    static final String JAVA = "2026-12-07 00:06:30,123 ERROR [http-nio-8080-exec-4] com.example.OrderService - order 42 failed";

    private static List<MutableEvent> run(String yaml, String... lines) throws Exception {
        return run(List.of(yaml), lines);
    }

    /** Runs each line through the chain of processors {@code yamls} describe; returns what reached its end. */
    static List<MutableEvent> run(List<String> yamls, String... lines) throws Exception {
        List<Processor> chain = new ArrayList<>();
        for (String yaml : yamls) {
            chain.add(ProcessorsTest.build(yaml));
        }
        List<MutableEvent> out = new ArrayList<>();
        for (String line : lines) {
            MutableEvent e = new MutableEvent("h", "file", "s", StandardCharsets.UTF_8);
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            e.reset(bytes, 0, bytes.length, 1000L, Origin.file("/p", "1:2:ab"), 0);
            step(chain, 0, e, out);
        }
        return out;
    }

    private static void step(List<Processor> chain, int i, io.polybus.events.LogEvent e, List<MutableEvent> out) {
        if (i == chain.size()) {
            out.add((MutableEvent) e);
        } else {
            chain.get(i).process(e, next -> step(chain, i + 1, next, out));
        }
    }

    private static MutableEvent one(String yaml, String line) throws Exception {
        List<MutableEvent> out = run(yaml, line);
        assertEquals(1, out.size());
        return out.get(0);
    }

    @Test
    void dissectSplitsAnNginxLineByItsDelimiters() throws Exception {
        MutableEvent e = one("{type: dissect, pattern: '%{client} - %{user} [%{ts}] \"%{method} %{uri} %{proto}\" %{status} %{bytes} %{}'}", NGINX);
        assertEquals("203.0.113.9", e.fields().get("client"));
        assertEquals("alice", e.fields().get("user"));
        assertEquals("06/Dec/2026:23:59:58 +0100", e.fields().get("ts"));
        assertEquals("GET", e.fields().get("method"));
        assertEquals("/api/v1/items?id=7", e.fields().get("uri"));
        assertEquals("200", e.fields().get("status"));
        assertEquals(List.of("client", "user", "ts", "method", "uri", "proto", "status", "bytes"), List.copyOf(e.fields().keySet()));
        assertTrue(e.tags().isEmpty());
    }

    @Test
    void dissectSkipsPaddingAppendsAndWritesUnderATarget() throws Exception {
        MutableEvent e = one("{type: dissect, target: syslog, pattern: '%{+ts->} %{+ts} %{+ts} %{host} %{program}[%{pid}]: %{msg}'}", SYSLOG);
        assertEquals(Map.of("ts", "Dec 7 00:05:11", "host", "web-1", "program", "sshd", "pid", "4012",
                "msg", "Accepted publickey for deploy from 10.0.0.7 port 51514 ssh2"), e.fields().get("syslog"));
        MutableEvent j = one("{type: dissect, pattern: '%{date} %{time} %{level} [%{thread}] %{logger} - %{msg}'}", JAVA);
        assertEquals("ERROR", j.fields().get("level"));
        assertEquals("com.example.OrderService", j.fields().get("logger"));
        assertEquals("order 42 failed", j.fields().get("msg"));
    }

    @Test
    void dissectTagsALineThatDoesNotFit() throws Exception {
        MutableEvent e = one("{type: dissect, pattern: '%{client} - %{user} [%{ts}] \"%{request}\"'}", SYSLOG);
        assertEquals(List.of("_dissect_parse_failure"), e.tags());
        assertEquals(SYSLOG, e.message());
        assertTrue(e.fields().isEmpty());
    }

    @Test
    void kvReadsQuotedValuesAndConfigurableSeparators() throws Exception {
        MutableEvent e = one("{type: kv}", "time=2026-12-07T00:07:00Z level=warn msg=\"disk \\\"data\\\" 91% full\" host='db 1' took=12ms");
        assertEquals("warn", e.fields().get("level"));
        assertEquals("disk \"data\" 91% full", e.fields().get("msg"));
        assertEquals("db 1", e.fields().get("host"));
        assertEquals("12ms", e.fields().get("took"));
        MutableEvent u = run(List.of("{type: dissect, pattern: '%{} %{} %{} [%{}] \"%{} %{path}?%{q} %{}'}",
                "{type: kv, field: q, field-split: '&', target: query, prefix: q_, exclude-keys: [token]}"),
                NGINX.replace("?id=7", "?id=7&page=2&token=s3cr3t")).get(0);
        assertEquals(Map.of("q_id", "7", "q_page", "2"), u.fields().get("query"));
        MutableEvent n = one("{type: kv, field-split: ' ', include-keys: [sshd], prefix: kv_}", "nothing here");
        assertEquals(List.of("_kv_parse_failure"), n.tags());
    }

    @Test
    void dateParsesCommonLogSyslogAndJavaTimesWithAZone() throws Exception {
        MutableEvent a = one("{type: date, field: message, formats: ['dd/MMM/yyyy:HH:mm:ss Z']}", "07/Dec/2026:00:01:02 +0100");
        assertEquals(Instant.parse("2026-12-06T23:01:02Z").toEpochMilli(), a.timestampMillis());
        MutableEvent j = one("{type: date, field: message, formats: [ISO8601, 'yyyy-MM-dd HH:mm:ss,SSS'], timezone: Europe/Paris}",
                "2026-12-07 00:06:30,123");
        assertEquals(Instant.parse("2026-12-06T23:06:30.123Z").toEpochMilli(), j.timestampMillis());
        assertTrue(j.tags().isEmpty());
        MutableEvent s = one("{type: date, field: message, formats: ['MMM d HH:mm:ss']}", "Jan  3 00:05:11");
        int year = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).getYear();
        long expected = Instant.parse(year + "-01-03T00:05:11Z").toEpochMilli();
        assertEquals(expected > System.currentTimeMillis() + 86_400_000L
                ? Instant.parse((year - 1) + "-01-03T00:05:11Z").toEpochMilli() : expected, s.timestampMillis());
        MutableEvent u = one("{type: date, field: message, formats: [UNIX_MS]}", "1796601600123");
        assertEquals(1796601600123L, u.timestampMillis());
    }

    @Test
    void dateThatDoesNotParseIsTaggedAndKeepsTheReadTime() throws Exception {
        MutableEvent e = one("{type: date, field: message, formats: ['dd/MMM/yyyy:HH:mm:ss Z', UNIX]}", "yesterday at noon");
        assertEquals(List.of("_date_parse_failure"), e.tags());
        assertEquals(1000L, e.timestampMillis());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> ProcessorsTest.build("{type: date, field: ts, timezone: Mars/Olympus, formats: ['yyyy-MM-dd HH:mm:ss']}"));
        assertTrue(bad.getMessage().contains("processors[0].timezone: 'Mars/Olympus'"), bad.getMessage());
        ConfigException pattern = assertThrows(ConfigException.class,
                () -> ProcessorsTest.build("{type: date, field: ts, formats: ['yyyy-MM-dd HH:mm:ss q{']}"));
        assertTrue(pattern.getMessage().contains("processors[0].formats"), pattern.getMessage());
    }

    @Test
    void convertChangesTypesAndTagsWhatDoesNotConvert() throws Exception {
        List<MutableEvent> out = run("{type: dissect, pattern: '%{client} - %{user} [%{ts}] \"%{request}\" %{status} %{bytes} %{}'}", APACHE);
        MutableEvent e = out.get(0);
        Processor convert = ProcessorsTest.build("{type: convert, fields: {status: integer, bytes: integer, client: string, missing: float}}");
        convert.process(e, ev -> { });
        assertEquals(302L, e.fields().get("status"));
        assertEquals("-", e.fields().get("bytes"));
        assertEquals(List.of("_convert_failure"), e.tags());
        assertNull(e.fields().get("missing"));
        e.fields().put("ok", "yes");
        e.fields().put("ms", "0.25");
        ProcessorsTest.build("{type: convert, fields: {ok: boolean, ms: float}}").process(e, ev -> { });
        assertEquals(Boolean.TRUE, e.fields().get("ok"));
        assertEquals(0.25, e.fields().get("ms"));
        ConfigException bad = assertThrows(ConfigException.class, () -> ProcessorsTest.build("{type: convert, fields: {status: number}}"));
        assertTrue(bad.getMessage().contains("processors[0].fields.status: 'number'"), bad.getMessage());
    }

    @Test
    void routeSetsTheTopicOfTheFirstRouteWhoseConditionHolds() throws Exception {
        String yaml = "{type: route, routes: [{when: {field: status, gte: 500}, topic: 'errors-{service}'}, "
                + "{when: {field: tags, contains: _json_parse_failure}, topic: dead-letters}]}";
        Processor p = ProcessorsTest.build(yaml);
        MutableEvent e = new MutableEvent("h", "file", "s", StandardCharsets.UTF_8);
        e.reset("x", 1, Origin.NONE, -1);
        e.fields().put("status", "502");
        e.fields().put("service", "shop");
        e.tag("_json_parse_failure");
        p.process(e, ev -> { });
        assertEquals("errors-shop", e.topic());
        e.reset("x", 1, Origin.NONE, -1);
        assertNull(e.topic());
        e.fields().put("status", 200);
        p.process(e, ev -> { });
        assertNull(e.topic());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> ProcessorsTest.build("{type: route, routes: [{when: {field: status, gte: 500}}, {topic: x, when: {field: a, equal: 1}}]}"));
        assertTrue(bad.getMessage().contains("processors[0].routes[0].topic: required"), bad.getMessage());
        assertTrue(bad.getMessage().contains("processors[0].routes[1].when.equal: unknown key"), bad.getMessage());
    }

    @Test
    void sampleKeepsOneInNAndAllOrNoneOfAKey() throws Exception {
        String[] lines = new String[100];
        java.util.Arrays.fill(lines, NGINX);
        assertEquals(10, run("{type: sample, rate: 10}", lines).size());
        List<String> keyed = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            keyed.add("request=r" + (i % 100));
        }
        List<MutableEvent> kept = run(List.of("{type: kv}", "{type: sample, rate: 4, key: '{request}'}"), keyed.toArray(String[]::new));
        assertTrue(kept.size() % 10 == 0 && kept.size() > 0 && kept.size() < 1000, "kept " + kept.size());
    }
}
