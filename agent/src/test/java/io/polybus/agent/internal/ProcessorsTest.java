package io.polybus.agent.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.Components;
import io.polybus.events.LogEvent;
import io.polybus.events.MutableEvent;
import io.polybus.events.Origin;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.events.Template;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in processors, found by type among the providers on the class path, as the agent finds them. */
class ProcessorsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, ProcessorProvider> TYPES = AgentPlugins.load().processors();

    /** The processor {@code yaml} describes, as the agent reads it at {@code processors[0]}. */
    static Processor build(String yaml) throws Exception {
        return Components.parse("processor", TYPES, null, YAML.readValue(yaml, Map.class), "processors[0]", null)
                .create(new ComponentContext("test", "h", null, Clock.systemUTC(), null));
    }

    /** Runs {@code line} through the processor described by {@code yaml}; returns what reached the end of the chain. */
    private static List<MutableEvent> run(String yaml, String line) throws Exception {
        Processor p = build(yaml);
        MutableEvent e = new MutableEvent("h", "file", "s", StandardCharsets.UTF_8);
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        e.reset(bytes, 0, bytes.length, 1000L, Origin.file("/p", "1:2:ab"), 0);
        List<MutableEvent> out = new ArrayList<>();
        p.process(e, ev -> out.add((MutableEvent) ev));
        return out;
    }

    private static MutableEvent one(String yaml, String line) throws Exception {
        List<MutableEvent> out = run(yaml, line);
        assertEquals(1, out.size());
        return out.get(0);
    }

    @Test
    void jsonLinesKeepNumbersAsNumbersAndTakeTheTimestamp() throws Exception {
        MutableEvent e = one("{type: json, timestamp-field: time_iso8601}",
                "{\"time_iso8601\":\"2026-11-21T10:00:00+01:00\",\"status\":502,\"request_time\":0.123,\"remote_addr\":\"10.0.0.1\"}");
        assertEquals(502, e.fields().get("status"));
        assertEquals(new BigDecimal("0.123"), e.fields().get("request_time"));
        assertEquals("10.0.0.1", e.fields().get("remote_addr"));
        assertEquals(Instant.parse("2026-11-21T09:00:00Z").toEpochMilli(), e.timestampMillis());
        assertTrue(e.tags().isEmpty());
    }

    @Test
    void jsonIntoATargetField() throws Exception {
        MutableEvent e = one("{type: json, target: fields.request}", "{\"method\":\"GET\"}");
        assertEquals(Map.of("method", "GET"), e.fields().get("request"));
    }

    @Test
    void lineThatIsNotJsonIsKeptAndTagged() throws Exception {
        MutableEvent e = one("{type: json}", "plain text {");
        assertEquals("plain text {", e.message());
        assertEquals(List.of("_json_parse_failure"), e.tags());
        assertEquals(1000L, e.timestampMillis());
    }

    @Test
    void parsesNginxAndApacheCombinedFormat() throws Exception {
        MutableEvent e = one("{type: combined}", "203.0.113.9 - alice [21/Nov/2026:10:00:00 +0000] \"GET /api/orders?id=1 HTTP/1.1\" 502 1234 \"https://ex.com/\" \"curl/8.5.0\"");
        assertEquals("203.0.113.9", e.fields().get("remote_addr"));
        assertEquals("alice", e.fields().get("remote_user"));
        assertEquals("GET", e.fields().get("request_method"));
        assertEquals("/api/orders?id=1", e.fields().get("request_uri"));
        assertEquals(502, e.fields().get("status"));
        assertEquals(1234L, e.fields().get("body_bytes_sent"));
        assertEquals("curl/8.5.0", e.fields().get("http_user_agent"));
        assertEquals(Instant.parse("2026-11-21T10:00:00Z").toEpochMilli(), e.timestampMillis());

        MutableEvent common = one("{type: apache-combined}", "::1 - - [21/Nov/2026:10:00:00 +0000] \"-\" 400 - ");
        assertEquals(400, common.fields().get("status"));
        assertNull(common.fields().get("remote_user"));

        MutableEvent bad = one("{type: nginx-combined}", "garbage");
        assertEquals(List.of("_combined_parse_failure"), bad.tags());
    }

    @Test
    void regexWithNamedGroupsAndNumbers() throws Exception {
        String yaml = "{type: regex, pattern: '^(?<time>\\S+ \\S+) (?<level>[A-Z]+) took (?<ms>\\d+)ms', numbers: [ms], "
                + "timestamp-field: time, timestamp-format: 'yyyy-MM-dd HH:mm:ss,SSS'}";
        MutableEvent e = one(yaml, "2026-11-21 10:00:00,250 WARN took 42ms");
        assertEquals("WARN", e.fields().get("level"));
        assertEquals(42L, e.fields().get("ms"));
        assertEquals(Instant.parse("2026-11-21T10:00:00.250Z").toEpochMilli(), e.timestampMillis());
        assertEquals(List.of("_regex_parse_failure"), one(yaml, "no match").tags());
    }

    @Test
    void addsRenamesAndDropsFields() throws Exception {
        MutableEvent e = one("{type: add-fields, fields: {env: prod, team: web, fields.deploy.zone: eu}}", "x");
        assertEquals(Map.of("env", "prod", "team", "web", "deploy", Map.of("zone", "eu")), e.fields());
        Processor rename = build("{type: rename-fields, fields: {env: environment}}");
        Processor drop = build("{type: drop-fields, fields: [team, deploy.zone]}");
        List<LogEvent> out = new ArrayList<>();
        rename.process(e, ev -> drop.process(ev, out::add));
        assertEquals(Map.of("environment", "prod", "deploy", Map.of()), out.get(0).fields());
    }

    @Test
    void filtersByTheOneConditionLanguage() throws Exception {
        String dropHealth = "{type: filter, drop-when: {field: message, matches: '/health'}}";
        assertTrue(run(dropHealth, "GET /health 200").isEmpty());
        assertEquals(1, run(dropHealth, "GET /api 200").size());
        String keepErrors = "{type: filter, keep-when: {field: message, in: [ERROR, FATAL]}}";
        assertEquals(1, run(keepErrors, "ERROR").size());
        assertTrue(run(keepErrors, "INFO").isEmpty());
        MutableEvent withStatus = one("{type: json}", "{\"status\":503}");
        Processor serverErrors = build("{type: filter, keep-when: [{field: status, gte: 500}, {field: fields.status, lt: 600}]}");
        List<LogEvent> out = new ArrayList<>();
        serverErrors.process(withStatus, out::add);
        assertEquals(1, out.size());
        withStatus.fields().put("status", 200);
        serverErrors.process(withStatus, out::add);
        assertEquals(1, out.size());
        withStatus.tag("_json_parse_failure");
        build("{type: filter, drop-when: {field: tags, contains: _json_parse_failure}}").process(withStatus, out::add);
        assertEquals(1, out.size(), "a tagged event is dropped by a condition on its tags");
    }

    @Test
    void badProcessorConfigurationNamesEveryProblem() {
        ConfigException e = assertThrows(ConfigException.class, () -> build("{type: regex, pattern: '(unclosed', colour: red}"));
        String text = e.getMessage();
        assertTrue(text.contains("processors[0].pattern: '(unclosed' is not valid; expected a Java regular expression"), text);
        assertTrue(text.contains("processors[0].colour: unknown key for processor 'regex'"), text);
        ConfigException filter = assertThrows(ConfigException.class, () -> build("{type: filter}"));
        assertTrue(filter.getMessage().contains("drop-when or keep-when"), filter.getMessage());
        ConfigException twoOperators = assertThrows(ConfigException.class,
                () -> build("{type: filter, keep-when: {field: status, gte: 500, lt: 600}}"));
        assertTrue(twoOperators.getMessage().contains("processors[0].keep-when: 2 operators (gte, lt); give exactly one of"),
                twoOperators.getMessage());
        ConfigException type = assertThrows(ConfigException.class, () -> build("{type: xml}"));
        assertTrue(type.getMessage().contains("processors[0].type: 'xml' is not valid; unknown processor type; found on the class path: "
                + "add-fields, apache-combined, combined"), type.getMessage());
    }

    @Test
    void templatesRenderFieldPaths() {
        MutableEvent e = new MutableEvent("web-1", "file", "nginx", StandardCharsets.UTF_8);
        e.reset(new byte[0], 0, 0, 0, Origin.file("/var/log/a.log", null), 0);
        e.fields().put("service", "orders");
        assertEquals("logs-orders-web-1-nginx-/var/log/a.log",
                Template.parse("logs-{service}-{host}-{source.name}-{source.path}").render(e));
        assertEquals("logs-orders", Template.parse("logs-{fields.service}").render(e));
        assertEquals("logs-unknown", Template.parse("logs-{missing}").render(e));
        assertEquals("logs", Template.parse("logs").constant());
        assertThrows(IllegalArgumentException.class, () -> Template.parse("logs-{oops"));
        assertNull(Template.parse("{a}").constant());
    }
}
