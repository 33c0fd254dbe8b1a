package io.polybus.monitor;

import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.events.FieldPath;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code monitor:} section read from its YAML tree: defaults, the examples, and every problem named by path. */
class MonitorConfigTest {

    private static MonitorConfig parse(String yaml) {
        return MonitorYaml.parse(yaml, Map.of("HOOK_TOKEN", "s3cret"));
    }

    private static ConfigException failure(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml));
    }

    private static String message(String yaml) {
        return failure(yaml).getMessage();
    }

    private static String rule(String body) {
        return "monitor:\n  rules:\n    - name: nginx-5xx\n" + body;
    }

    private static MonitorConfig example(String file) throws Exception {
        Map<String, Object> tree = Config.readYaml(Files.readString(Path.of("..", "examples", file)), Map.<String, String>of()::get);
        return MonitorConfig.parse(tree.get("monitor"), "monitor", MonitorYaml.NOTIFIERS);
    }

    @Test
    void exampleConfigurationIsValid() throws Exception {
        MonitorConfig config = example("monitor.yaml");
        assertEquals(13, config.rules().size());
        MonitorConfig.Rule.Threshold burst = assertInstanceOf(MonitorConfig.Rule.Threshold.class, config.rules().get(0));
        assertEquals(Duration.ofMinutes(1), burst.window());
        assertEquals(50, burst.above());
        assertEquals(FieldPath.of("host"), burst.groupBy());
        assertEquals(Duration.ofSeconds(1), config.evaluateEvery());
        assertEquals(List.of("stdout", "file", "topic"), config.notifiers().stream().map(MonitorConfig.NotifierSpec::type).toList());
    }

    @Test
    void quickstartMonitorSectionIsValid() throws Exception {
        MonitorConfig config = example("quickstart.yaml");
        assertEquals(List.of("nginx-5xx-burst", "app-errors"), config.rules().stream().map(MonitorConfig.Rule::name).toList());
        assertEquals(Duration.ofSeconds(20), ((MonitorConfig.Rule.Match) config.rules().get(1)).resolveAfter());
    }

    @Test
    void appliesDefaultsAndExpandsPlaceholders() {
        MonitorConfig config = parse("""
                monitor:
                  rules:
                    - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                  notifiers:
                    - type: webhook
                      url: http://127.0.0.1:9/hook
                      headers: {Authorization: "Bearer ${HOOK_TOKEN}"}
                """);
        assertEquals("logs", config.topic());
        assertEquals("monitor", config.group());
        assertEquals(1, config.concurrency());
        assertEquals(Duration.ofSeconds(1), config.evaluateEvery());
        assertEquals(1_000_000, config.dedupMaxEntries());
        assertEquals(3, config.samples());
        assertNull(config.dedupWindow());
        assertEquals(Duration.ofMinutes(1), config.effectiveDedupWindow());
        MonitorConfig.Rule.Match errors = (MonitorConfig.Rule.Match) config.rules().get(0);
        assertEquals(Duration.ofMinutes(5), errors.resolveAfter());
        assertEquals("warning", errors.severity());
        assertEquals(10_000, errors.maxGroups());
        MonitorConfig.NotifierSpec hook = config.notifiers().get(0);
        assertEquals("webhook", hook.name());
        assertEquals(Map.of("Authorization", "Bearer s3cret"), hook.component().config().find("headers", Map.class).orElseThrow());
        assertEquals(3, hook.component().config().getInt("retries"));
    }

    @Test
    void withoutNotifiersAlertsGoToStdout() {
        MonitorConfig config = parse("monitor:\n  rules: [{name: quiet, type: absence, for: 5m}]\n");
        assertEquals(List.of("stdout"), config.notifiers().stream().map(MonitorConfig.NotifierSpec::name).toList());
        assertEquals("text", config.notifiers().get(0).component().config().getString("format"));
    }

    @Test
    void thresholdDefaultsFollowItsWindowAndDurationsMayBeIso8601() {
        MonitorConfig config = parse(rule("      type: threshold\n      window: PT90S\n      above: 5\n"));
        MonitorConfig.Rule.Threshold t = (MonitorConfig.Rule.Threshold) config.rules().get(0);
        assertEquals(Duration.ofSeconds(90), t.window());
        assertEquals(Duration.ofSeconds(90), t.resolveAfter(), "resolve-after defaults to the window");
        assertEquals(MonitorConfig.WindowType.SLIDING, t.windowType());
        assertEquals(Duration.ofSeconds(90), config.effectiveDedupWindow(), "the longest threshold window");
    }

    @Test
    void aMissingSectionFailsForWantOfRules() {
        MonitorConfig config = parse("""
                inputs: [{type: file, path: /var/log/nginx/access.json}]
                monitor:
                  topic: ${TOPIC:-logs}
                  rules: [{name: quiet, type: absence, for: 5m}]
                """);
        assertEquals("logs", config.topic());
        assertEquals("quiet", config.rules().get(0).name());
        assertTrue(message("inputs: []\n").contains("monitor.rules: required"), message("inputs: []\n"));
        assertTrue(message("monitor: logs\n").contains("monitor: expected a mapping"));
    }

    @Test
    void unknownRuleKeyNamesTheRuleAndTheKey() {
        String message = message(rule("      type: threshold\n      window: 1m\n      above: 50\n      windw: 5m\n"));
        assertTrue(message.contains("monitor.rules[0].windw (rule 'nginx-5xx'): unknown key for rule type 'threshold'"), message);
        assertTrue(message.contains("known keys: name, severity, where, group-by, window, window-type"), message);
    }

    @Test
    void badDurationNamesTheRuleAndTheKey() {
        String message = message(rule("      type: threshold\n      window: soon\n      above: 50\n"));
        assertTrue(message.contains("monitor.rules[0].window (rule 'nginx-5xx'): 'soon' is not valid; expected a duration"), message);
    }

    @Test
    void missingRequiredKeysAreAllNamed() {
        String message = message(rule("      type: threshold\n      where: [{field: fields.status}]\n"));
        assertTrue(message.contains("monitor.rules[0].window (rule 'nginx-5xx'): required"), message);
        assertTrue(message.contains("monitor.rules[0].above (rule 'nginx-5xx'): required"), message);
        assertTrue(message.contains("monitor.rules[0].where[0] (rule 'nginx-5xx'): no operator"), message);
        assertTrue(message(rule("      type: match\n")).contains("monitor.rules[0].where (rule 'nginx-5xx'): required"));
        assertTrue(message(rule("      type: match\n      where: []\n"))
                .contains("monitor.rules[0].where (rule 'nginx-5xx'): expected at least one condition"));
        assertTrue(message("monitor:\n  rules:\n    - {type: absence, for: 1m}\n").contains("monitor.rules[0].name: required"));
    }

    @Test
    void badValuesNameTheRuleAndTheKey() {
        assertTrue(message(rule("      type: threshold\n      window: 1m\n      above: many\n"))
                .contains("monitor.rules[0].above (rule 'nginx-5xx'): 'many' is not valid; expected a whole number"));
        assertTrue(message(rule("      type: match\n      where: [{field: message, matches: 'Out(Of'}]\n"))
                .contains("monitor.rules[0].where[0].matches (rule 'nginx-5xx'): 'Out(Of' is not valid; expected a Java regular expression"));
        assertTrue(message(rule("      type: threshold\n      window: 1m\n      above: 5\n      window-type: hopping\n"))
                .contains("monitor.rules[0].window-type (rule 'nginx-5xx'): 'hopping' is not valid; expected one of sliding, tumbling"));
        assertTrue(message(rule("      type: absence\n      for: 0s\n"))
                .contains("monitor.rules[0].for (rule 'nginx-5xx'): '0s' is not valid; expected a duration of at least 1ms"));
        assertTrue(message(rule("      type: match\n      where: [{field: 'fields..status', gt: 1}]\n"))
                .contains("monitor.rules[0].where[0].field (rule 'nginx-5xx'): 'fields..status' is not valid; expected a dotted field path"));
        assertTrue(message(rule("      type: match\n      where: {field: status, gt: high}\n"))
                .contains("monitor.rules[0].where.gt (rule 'nginx-5xx'): 'high' is not valid; expected a number"));
        assertTrue(message(rule("      type: absence\n      for: 1m\n      group-by: 'a b'\n"))
                .contains("monitor.rules[0].group-by (rule 'nginx-5xx'): 'a b' is not valid; expected a dotted field path"));
        assertTrue(message(rule("      type: absence\n      for: 1m\n      expected: [web-1]\n"))
                .contains("monitor.rules[0].expected (rule 'nginx-5xx'): needs group-by"));
        assertTrue(message("monitor:\n  samples: 101\n  rules: [{name: a, type: absence, for: 1m}]\n")
                .contains("monitor.samples: '101' is not valid; expected a value from 0 to 100"));
    }

    @Test
    void unknownRuleTypeListsTheTypes() {
        String message = message(rule("      type: treshold\n"));
        assertTrue(message.contains("monitor.rules[0].type (rule 'nginx-5xx'): 'treshold' is not valid; unknown rule type; "
                + "expected one of threshold, ratio, spike, aggregate, cardinality, new-term, flatline, match, absence"), message);
    }

    @Test
    void windowedRuleTypesReadTheirKeysWithDefaults() {
        MonitorConfig config = parse("""
                monitor:
                  rules:
                    - {name: r, type: ratio, where: {field: status, gte: 500}, window: 5m, above: 0.05, min-count: 100}
                    - {name: s, type: spike, window: 10m, factor: 3}
                    - {name: a, type: aggregate, field: request_time, function: p99, window: 1m, above: 1}
                    - {name: c, type: cardinality, field: remote_addr, window: 1m, below: 3}
                    - {name: n, type: new-term, field: http_user_agent}
                    - {name: f, type: flatline, window: 1m, below: 100, group-by: host, expected: [web-1]}
                """);
        MonitorConfig.Rule.Ratio ratio = assertInstanceOf(MonitorConfig.Rule.Ratio.class, config.rules().get(0));
        assertEquals(0.05, ratio.above());
        assertEquals(100, ratio.minCount());
        assertEquals(Duration.ofMinutes(5), ratio.resolveAfter(), "a window");
        MonitorConfig.Rule.Spike spike = assertInstanceOf(MonitorConfig.Rule.Spike.class, config.rules().get(1));
        assertEquals(MonitorConfig.Direction.UP, spike.direction());
        assertNull(spike.baseline());
        assertEquals(10, spike.minCount());
        MonitorConfig.Rule.Aggregate aggregate = assertInstanceOf(MonitorConfig.Rule.Aggregate.class, config.rules().get(2));
        assertEquals(MonitorConfig.Aggregation.P99, aggregate.function());
        assertEquals(MonitorConfig.Comparison.ABOVE, aggregate.comparison());
        assertEquals(FieldPath.of("fields.request_time"), aggregate.field());
        MonitorConfig.Rule.Cardinality cardinality = assertInstanceOf(MonitorConfig.Rule.Cardinality.class, config.rules().get(3));
        assertEquals(MonitorConfig.Comparison.BELOW, cardinality.comparison());
        assertEquals(3, cardinality.limit());
        assertEquals(10_000, cardinality.maxValues());
        MonitorConfig.Rule.NewTerm newTerm = assertInstanceOf(MonitorConfig.Rule.NewTerm.class, config.rules().get(4));
        assertEquals(Duration.ofDays(7), newTerm.remember());
        assertEquals(Duration.ofHours(1), newTerm.learnFor());
        assertEquals(100_000, newTerm.maxTerms());
        MonitorConfig.Rule.Flatline flatline = assertInstanceOf(MonitorConfig.Rule.Flatline.class, config.rules().get(5));
        assertEquals(List.of("web-1"), flatline.expected());
        assertEquals(Duration.ofMinutes(20), config.effectiveDedupWindow(), "a spike counts over two windows");
    }

    @Test
    void windowedRuleTypeProblemsNameTheKey() {
        assertProblem("      type: ratio\n      window: 1m\n      above: 5\n",
                "monitor.rules[0].above (rule 'nginx-5xx'): '5' is not valid; expected a fraction from 0 to 1");
        assertProblem("      type: spike\n      window: 1m\n      factor: 1\n",
                "monitor.rules[0].factor (rule 'nginx-5xx'): '1' is not valid; expected a number greater than 1");
        assertProblem("      type: spike\n      window: 1m\n      factor: 2\n      direction: sideways\n",
                "monitor.rules[0].direction (rule 'nginx-5xx'): 'sideways' is not valid; expected one of up, down, both");
        assertProblem("      type: aggregate\n      field: request_time\n      function: p42\n      window: 1m\n      above: 1\n",
                "monitor.rules[0].function (rule 'nginx-5xx'): 'p42' is not valid; expected one of avg, min, max, sum, p50");
        assertProblem("      type: aggregate\n      function: avg\n      window: 1m\n      above: 1\n",
                "monitor.rules[0].field (rule 'nginx-5xx'): required");
        assertProblem("      type: aggregate\n      field: request_time\n      function: avg\n      window: 1m\n",
                "monitor.rules[0].above (rule 'nginx-5xx'): required: above or below (one of them)");
        assertProblem("      type: cardinality\n      field: remote_addr\n      window: 1m\n      above: 1\n      below: 3\n",
                "monitor.rules[0].below (rule 'nginx-5xx'): either above or below, not both");
        assertProblem("      type: cardinality\n      field: remote_addr\n      window: 1m\n      above: 100\n      max-values: 100\n",
                "monitor.rules[0].max-values (rule 'nginx-5xx'): '100' is not valid; expected a value more than above (100)");
        assertProblem("      type: new-term\n      field: 'a b'\n",
                "monitor.rules[0].field (rule 'nginx-5xx'): 'a b' is not valid; expected a dotted field path");
        assertProblem("      type: new-term\n      field: agent\n      remember: 7\n",
                "monitor.rules[0].remember (rule 'nginx-5xx'): '7' is not valid; expected a duration with its unit");
        assertProblem("      type: flatline\n      window: 1m\n      below: 0\n",
                "monitor.rules[0].below (rule 'nginx-5xx'): '0' is not valid; expected a value of at least 1");
        assertProblem("      type: flatline\n      window: 1m\n      below: 5\n      expected: [web-1]\n",
                "monitor.rules[0].expected (rule 'nginx-5xx'): needs group-by");
        assertProblem("      type: ratio\n      window: 1m\n      above: 0.1\n      treshold: 3\n",
                "monitor.rules[0].treshold (rule 'nginx-5xx')");
    }

    private static void assertProblem(String ruleBody, String expected) {
        String message = message(rule(ruleBody));
        assertTrue(message.contains(expected), message);
    }

    @Test
    void duplicateRuleNamesAreRejected() {
        String message = message("""
                monitor:
                  rules:
                    - {name: a, type: absence, for: 1m}
                    - {name: a, type: absence, for: 2m}
                """);
        assertTrue(message.contains("monitor.rules[1].name (rule 'a'): 'a' is not valid; another rule has this name"), message);
    }

    @Test
    void notifierProblemsNameTheNotifierAndListTheTypesFound() {
        String message = message("""
                monitor:
                  rules: [{name: a, type: absence, for: 1m}]
                  notifiers:
                    - {type: webhook, url: "http://x/hook", retries: -1}
                    - {type: pager, name: oncall}
                    - {type: stdout}
                    - {type: stdout, format: yaml}
                    - {type: file, name: stdout, path: alerts.jsonl}
                """);
        assertTrue(message.contains("monitor.notifiers[0].retries (notifier 'webhook'): '-1' is not valid; expected a value of at least 0"), message);
        assertTrue(message.contains("monitor.notifiers[1].type (notifier 'oncall'): 'pager' is not valid; unknown notifier type; "
                + "found on the class path: "), message);
        assertTrue(message.contains("file, inbox, stdout, topic, webhook"), message);
        assertTrue(message.contains("monitor.notifiers[3].format (notifier 'stdout'): 'yaml' is not valid; expected one of text, json"), message);
        assertTrue(message.contains("monitor.notifiers[4].name (notifier 'stdout'): 'stdout' is not valid; another notifier has this name"), message);
        assertTrue(message("monitor:\n  rules: []\n").contains("monitor.rules: expected a list of at least one rule"));
    }

    @Test
    void everyProblemOfEveryRuleAndNotifierIsReportedAtOnce() {
        ConfigException e = failure("""
                monitor:
                  concurrency: 0
                  rules:
                    - {name: a, type: threshold, above: 1}
                    - {name: b, type: match, where: {field: level, equal: ERROR}}
                  notifiers:
                    - {type: file}
                """);
        assertEquals(List.of("monitor.concurrency", "monitor.rules[0].window (rule 'a')", "monitor.rules[1].where.equal (rule 'b')",
                "monitor.notifiers[0].path (notifier 'file')"), e.problems().stream().map(ConfigException.Problem::key).toList());
    }

    @Test
    void webhookUrlAndHeadersAreNeverEchoed() {
        String message = message("""
                monitor:
                  rules: [{name: a, type: absence, for: 1m}]
                  notifiers: [{type: webhook, url: "ftp://user:hunter2@host/x"}]
                """);
        assertTrue(message.contains("monitor.notifiers[0].url (notifier 'webhook'): expected an http or https URL"), message);
        assertFalse(message.contains("hunter2"), message);
        String headers = message("""
                monitor:
                  rules: [{name: a, type: absence, for: 1m}]
                  notifiers: [{type: webhook, url: "https://hooks.example.com/x", headers: "Bearer hunter2"}]
                """);
        assertTrue(headers.contains("monitor.notifiers[0].headers (notifier 'webhook'): expected a mapping of header names to values"), headers);
        assertFalse(headers.contains("hunter2"), headers);
    }

    @Test
    void engineIsValidatedAndKafkaStreamsNeedsItsBootstrapServers() {
        String bad = message("monitor:\n  engine: flink\n  rules: [{name: r, type: threshold, window: 1m, above: 1}]\n");
        assertTrue(bad.contains("monitor.engine: 'flink' is not valid; expected one of embedded, kafka-streams"), bad);
        String streams = message("monitor:\n  engine: kafka-streams\n  rules: [{name: r, type: threshold, window: 1m, above: 1}]\n");
        assertTrue(streams.contains("monitor.kafka-streams.bootstrap.servers: required with engine: kafka-streams"), streams);
        MonitorConfig config = MonitorYaml.parse("monitor:\n  group: g\n  engine: kafka-streams\n"
                + "  kafka-streams.bootstrap.servers: localhost:9092\n  kafka-streams.num.standby.replicas: 1\n"
                + "  rules: [{name: r, type: threshold, window: 1m, above: 1}]\n");
        assertEquals(MonitorConfig.Engine.KAFKA_STREAMS, config.engine());
        assertEquals("g-alerts", config.alertsTopic());
        assertEquals(Map.of("bootstrap.servers", "localhost:9092", "num.standby.replicas", "1"), config.kafkaStreams());
    }
}
