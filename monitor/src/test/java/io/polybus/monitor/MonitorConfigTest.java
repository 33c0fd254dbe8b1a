package io.polybus.monitor;

import io.polybus.ConfigException;
import io.polybus.cli.internal.MonitorFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MonitorConfigTest {

    private static MonitorFile parse(String yaml) {
        return MonitorFile.parse(yaml, Map.of("HOOK_TOKEN", "s3cret")::get);
    }

    private static String failure(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
    }

    private static String rule(String body) {
        return "monitor:\n  rules:\n    - name: nginx-5xx\n" + body;
    }

    @Test
    void exampleConfigurationIsValid() {
        MonitorFile file = MonitorFile.read(Path.of("../examples/monitor.yaml"), Map.<String, String>of()::get);
        assertEquals("memory", file.broker().get("type").orElseThrow());
        assertEquals(7, file.monitor().rules().size());
        MonitorConfig.Rule.Threshold burst = assertInstanceOf(MonitorConfig.Rule.Threshold.class, file.monitor().rules().get(0));
        assertEquals(Duration.ofMinutes(1), burst.window());
        assertEquals(50, burst.above());
        assertEquals("host", burst.groupBy());
        assertEquals("127.0.0.1", file.metrics().bind());
    }

    @Test
    void appliesDefaultsAndExpandsPlaceholders() {
        MonitorFile file = parse("""
                monitor:
                  rules:
                    - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                  notifiers:
                    - type: webhook
                      url: http://127.0.0.1:9/hook
                      headers: {Authorization: "Bearer ${HOOK_TOKEN}"}
                """);
        assertEquals("logs", file.monitor().topic());
        assertEquals("monitor", file.monitor().group());
        assertEquals(Duration.ofMinutes(5), ((MonitorConfig.Rule.Match) file.monitor().rules().get(0)).resolveAfter());
        MonitorConfig.NotifierSpec.Webhook hook = (MonitorConfig.NotifierSpec.Webhook) file.monitor().notifiers().get(0);
        assertEquals("Bearer s3cret", hook.headers().get("Authorization"));
        assertEquals(3, hook.retries());
        assertEquals(false, file.hostMetrics().enabled());
    }

    @Test
    void readsTheMonitorSectionOfAnotherProgramsDocument() {
        MonitorConfig config = MonitorConfig.fromYaml("""
                inputs: [{type: file, path: /var/log/nginx/access.json}]
                monitor:
                  topic: ${TOPIC:-logs}
                  rules: [{name: quiet, type: absence, for: 5m}]
                """, Map.of("TOPIC", "nginx")::get);
        assertEquals("nginx", config.topic());
        assertEquals("quiet", config.rules().get(0).name());
        assertTrue(assertThrows(ConfigException.class, () -> MonitorConfig.fromYaml("inputs: []\n", Map.<String, String>of()::get))
                .getMessage().contains("monitor.rules: at least one rule is required"));
    }

    @Test
    void unknownRuleKeyNamesTheRuleAndTheKey() {
        String message = failure(rule("      type: threshold\n      window: 1m\n      above: 50\n      windw: 5m\n"));
        assertTrue(message.contains("monitor.rules[0].windw (rule 'nginx-5xx')"), message);
        assertTrue(message.contains("unknown key; accepted:") && message.contains("window"), message);
    }

    @Test
    void badDurationNamesTheRuleAndTheKey() {
        String message = failure(rule("      type: threshold\n      window: soon\n      above: 50\n"));
        assertTrue(message.contains("monitor.rules[0].window (rule 'nginx-5xx'): 'soon' is not valid; a duration"), message);
    }

    @Test
    void missingRequiredKeysAreAllNamed() {
        String message = failure(rule("      type: threshold\n      where: [{field: fields.status}]\n"));
        assertTrue(message.contains("monitor.rules[0].window (rule 'nginx-5xx'): required"), message);
        assertTrue(message.contains("monitor.rules[0].above (rule 'nginx-5xx'): required"), message);
        assertTrue(message.contains("monitor.rules[0].where[0] (rule 'nginx-5xx'): no operator"), message);
    }

    @Test
    void badValuesNameTheRuleAndTheKey() {
        assertTrue(failure(rule("      type: threshold\n      window: 1m\n      above: many\n"))
                .contains("monitor.rules[0].above (rule 'nginx-5xx'): 'many' is not valid; a whole number"));
        assertTrue(failure(rule("      type: match\n      where: [{field: message, matches: 'Out(Of'}]\n"))
                .contains("monitor.rules[0].where[0].matches (rule 'nginx-5xx'): 'Out(Of' is not valid; a Java regular expression"));
        assertTrue(failure(rule("      type: threshold\n      window: 1m\n      above: 5\n      window-type: hopping\n"))
                .contains("monitor.rules[0].window-type (rule 'nginx-5xx'): 'hopping' is not valid; one of sliding, tumbling"));
        assertTrue(failure(rule("      type: absence\n      for: 0s\n"))
                .contains("monitor.rules[0].for (rule 'nginx-5xx'): '0s' is not valid; must be more than 0"));
        assertTrue(failure(rule("      type: match\n      where: [{field: 'fields..status', gt: 1}]\n"))
                .contains("monitor.rules[0].where[0].field (rule 'nginx-5xx'): 'fields..status' is not valid; a dotted field path"));
    }

    @Test
    void unknownRuleTypeListsTheTypes() {
        String message = failure(rule("      type: treshold\n"));
        assertTrue(message.contains("monitor.rules[0].type (rule 'nginx-5xx'): 'treshold' is not valid; unknown type; accepted: threshold, match, absence"), message);
    }

    @Test
    void duplicateRuleNamesAreRejected() {
        String message = failure("""
                monitor:
                  rules:
                    - {name: a, type: absence, for: 1m}
                    - {name: a, type: absence, for: 2m}
                """);
        assertTrue(message.contains("monitor.rules[1].name (rule 'a')"), message);
    }

    @Test
    void unknownSectionsAndNotifierKeysAreNamed() {
        assertTrue(failure("monitr: {}\n").contains("monitr: unknown key; accepted: broker, monitor, metrics, host-metrics"));
        String message = failure("""
                monitor:
                  rules: [{name: a, type: absence, for: 1m}]
                  notifiers:
                    - {type: webhook, url: "http://x/hook", retries: -1}
                """);
        assertTrue(message.contains("monitor.notifiers[0].retries (notifier 'webhook'): '-1' is not valid"), message);
        assertTrue(failure("monitor:\n  rules: []\n").contains("monitor.rules: at least one rule is required"));
    }

    @Test
    void webhookUrlIsNeverEchoed() {
        String message = failure("""
                monitor:
                  rules: [{name: a, type: absence, for: 1m}]
                  notifiers: [{type: webhook, url: "ftp://user:hunter2@host/x"}]
                """);
        assertTrue(message.contains("monitor.notifiers[0].url (notifier 'webhook')"), message);
        assertTrue(!message.contains("hunter2"), message);
        String headers = failure("""
                monitor:
                  rules: [{name: a, type: absence, for: 1m}]
                  notifiers: [{type: webhook, url: "https://hooks.example.com/x", headers: "Bearer hunter2"}]
                """);
        assertTrue(headers.contains("monitor.notifiers[0].headers (notifier 'webhook'): a mapping of keys to values"), headers);
        assertTrue(!headers.contains("hunter2"), headers);
    }
}
