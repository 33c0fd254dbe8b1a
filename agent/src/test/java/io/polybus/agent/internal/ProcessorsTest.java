package io.polybus.agent.internal;

import io.polybus.events.Template;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.ConfigException;
import io.polybus.events.LogEvent;
import io.polybus.events.Processor;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessorsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

    /** Runs {@code line} through the processor described by {@code yaml}; returns what reached the end of the chain. */
    private static List<Event> run(String yaml, String line) throws Exception {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Processor p = Processors.build(new ConfigNode(YAML.readValue(yaml, Map.class), "processors[0]", problems, System::getenv));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Event e = new Event("h", "file", "s", StandardCharsets.UTF_8);
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        e.reset(bytes, 0, bytes.length, 1000L, "/p", "1:2:ab", 0);
        List<Event> out = new ArrayList<>();
        p.process(e, ev -> out.add((Event) ev));
        return out;
    }

    private static Event one(String yaml, String line) throws Exception {
        List<Event> out = run(yaml, line);
        assertEquals(1, out.size());
        return out.get(0);
    }

    @Test
    void jsonLinesKeepNumbersAsNumbersAndTakeTheTimestamp() throws Exception {
        Event e = one("{type: json, timestamp-field: time_iso8601}",
                "{\"time_iso8601\":\"2026-11-21T10:00:00+01:00\",\"status\":502,\"request_time\":0.123,\"remote_addr\":\"10.0.0.1\"}");
        assertEquals(502, e.fields().get("status"));
        assertEquals(new BigDecimal("0.123"), e.fields().get("request_time"));
        assertEquals("10.0.0.1", e.fields().get("remote_addr"));
        assertEquals(Instant.parse("2026-11-21T09:00:00Z").toEpochMilli(), e.timestampMillis());
        assertTrue(e.tags().isEmpty());
    }

    @Test
    void lineThatIsNotJsonIsKeptAndTagged() throws Exception {
        Event e = one("{type: json}", "plain text {");
        assertEquals("plain text {", e.message());
        assertEquals(List.of(Processors.JSON_FAILURE), e.tags());
        assertEquals(1000L, e.timestampMillis());
    }

    @Test
    void parsesNginxAndApacheCombinedFormat() throws Exception {
        Event e = one("{type: combined}", "203.0.113.9 - alice [21/Nov/2026:10:00:00 +0000] \"GET /api/orders?id=1 HTTP/1.1\" 502 1234 \"https://ex.com/\" \"curl/8.5.0\"");
        assertEquals("203.0.113.9", e.fields().get("remote_addr"));
        assertEquals("alice", e.fields().get("remote_user"));
        assertEquals("GET", e.fields().get("request_method"));
        assertEquals("/api/orders?id=1", e.fields().get("request_uri"));
        assertEquals(502, e.fields().get("status"));
        assertEquals(1234L, e.fields().get("body_bytes_sent"));
        assertEquals("curl/8.5.0", e.fields().get("http_user_agent"));
        assertEquals(Instant.parse("2026-11-21T10:00:00Z").toEpochMilli(), e.timestampMillis());

        Event common = one("{type: apache-combined}", "::1 - - [21/Nov/2026:10:00:00 +0000] \"-\" 400 - ");
        assertEquals(400, common.fields().get("status"));
        assertNull(common.fields().get("remote_user"));

        Event bad = one("{type: nginx-combined}", "garbage");
        assertEquals(List.of(Processors.COMBINED_FAILURE), bad.tags());
    }

    @Test
    void regexWithNamedGroupsAndNumbers() throws Exception {
        String yaml = "{type: regex, pattern: '^(?<time>\\S+ \\S+) (?<level>[A-Z]+) took (?<ms>\\d+)ms', numbers: [ms], "
                + "timestamp-field: time, timestamp-format: 'yyyy-MM-dd HH:mm:ss,SSS'}";
        Event e = one(yaml, "2026-11-21 10:00:00,250 WARN took 42ms");
        assertEquals("WARN", e.fields().get("level"));
        assertEquals(42L, e.fields().get("ms"));
        assertEquals(Instant.parse("2026-11-21T10:00:00.250Z").toEpochMilli(), e.timestampMillis());
        assertEquals(List.of(Processors.REGEX_FAILURE), one(yaml, "no match").tags());
    }

    @Test
    void addsRenamesAndDropsFields() throws Exception {
        Event e = one("{type: add-fields, fields: {env: prod, team: web}}", "x");
        assertEquals(Map.of("env", "prod", "team", "web"), e.fields());
        List<ConfigException.Problem> problems = new ArrayList<>();
        Processor rename = Processors.build(new ConfigNode(YAML.readValue("{type: rename-fields, fields: {env: environment}}", Map.class), "p", problems, System::getenv));
        Processor drop = Processors.build(new ConfigNode(YAML.readValue("{type: drop-fields, fields: [team]}", Map.class), "p", problems, System::getenv));
        List<LogEvent> out = new ArrayList<>();
        rename.process(e, ev -> drop.process(ev, out::add));
        assertEquals(Map.of("environment", "prod"), out.get(0).fields());
    }

    @Test
    void filtersByCondition() throws Exception {
        String dropHealth = "{type: filter, drop-when: {field: message, matches: '/health'}}";
        assertTrue(run(dropHealth, "GET /health 200").isEmpty());
        assertEquals(1, run(dropHealth, "GET /api 200").size());
        String keepErrors = "{type: filter, keep-when: {field: message, in: [ERROR, FATAL]}}";
        assertEquals(1, run(keepErrors, "ERROR").size());
        assertTrue(run(keepErrors, "INFO").isEmpty());
        Event withStatus = one("{type: json}", "{\"status\":503}");
        List<ConfigException.Problem> problems = new ArrayList<>();
        Processor gte = Processors.build(new ConfigNode(YAML.readValue("{type: filter, keep-when: {field: status, gte: 500, lt: 600}}", Map.class), "p", problems, System::getenv));
        List<LogEvent> out = new ArrayList<>();
        gte.process(withStatus, out::add);
        assertEquals(1, out.size());
        withStatus.fields().put("status", 200);
        gte.process(withStatus, out::add);
        assertEquals(1, out.size());
        assertTrue(problems.isEmpty());
    }

    @Test
    void badProcessorConfigurationNamesEveryProblem() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> run("{type: regex, pattern: '(unclosed', colour: red}", "x"));
        String text = e.getMessage();
        assertTrue(text.contains("processors[0].pattern"), text);
        assertTrue(text.contains("processors[0].colour: unknown key"), text);
        ConfigException filter = assertThrows(ConfigException.class, () -> run("{type: filter}", "x"));
        assertTrue(filter.getMessage().contains("drop-when or keep-when"), filter.getMessage());
        ConfigException type = assertThrows(ConfigException.class, () -> run("{type: grok}", "x"));
        assertTrue(type.getMessage().contains("processors[0].type: 'grok' is not valid; expected one of json"), type.getMessage());
    }

    @Test
    void templatesRenderFieldsAndBuiltIns() {
        Event e = new Event("web-1", "file", "nginx", StandardCharsets.UTF_8);
        e.reset(new byte[0], 0, 0, 0, "/var/log/a.log", null, 0);
        e.fields().put("service", "orders");
        assertEquals("logs-orders-web-1-nginx", Template.parse("logs-{service}-{host}-{source}").render(e));
        assertEquals("logs-unknown", Template.parse("logs-{missing}").render(e));
        assertEquals("logs", Template.parse("logs").constant());
        assertThrows(IllegalArgumentException.class, () -> Template.parse("logs-{oops"));
        assertFalse(Template.parse("{a}").constant() != null);
    }
}
