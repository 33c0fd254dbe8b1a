package io.polybus.monitor;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.spi.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/monitor.md shows the keys exactly as the ConfigDefs define them, and the meters the monitor registers. */
class MonitorDocsTest {
    private static final Path DOC = Path.of("..", "docs", "monitor.md");

    /** Every key table of the page, by the heading it follows. */
    private static Map<String, String> tables() {
        Map<String, String> tables = new LinkedHashMap<>();
        tables.put("`monitor:` keys", MonitorConfig.keys(MonitorYaml.NOTIFIERS).toMarkdown());
        tables.put("Every rule", MonitorConfig.ruleKeys().toMarkdown());
        MonitorConfig.ruleTypeKeys().forEach((type, keys) -> tables.put("rule `" + type + "`", keys.toMarkdown()));
        tables.put("Every notifier", MonitorConfig.notifierKeys().toMarkdown());
        MonitorYaml.NOTIFIERS.forEach((type, provider) -> {
            // the test's own plug-in is not documented
            if (provider.getClass().getName().startsWith("io.polybus.monitor.")) {
                tables.put("notifier `" + type + "`", provider.configDef().toMarkdown());
            }
        });
        return tables;
    }

    @Test
    void keyTablesInTheDocsMatchTheConfigDefs() throws Exception {
        String doc = Files.readString(DOC);
        List<String> stale = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        tables().forEach((heading, table) -> {
            if (!doc.contains(table)) {
                stale.add(heading);
            }
            expected.append("\n").append(heading).append(":\n\n").append(table);
        });
        assertEquals(List.of(), stale, "docs/monitor.md is out of date; paste in ConfigDef.toMarkdown() of each:\n" + expected);
    }

    @Test
    void readmeListsEveryRuleTypeWithItsKeys() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        List<String> missing = new ArrayList<>();
        MonitorConfig.ruleTypeKeys().forEach((type, keys) -> {
            String row = "| `" + type + "` | " + String.join(", ",
                    keys.keys().stream().map(k -> "`" + k.name() + "`").toList()) + " |";
            if (!readme.contains(row)) {
                missing.add(row);
            }
        });
        assertEquals(List.of(), missing, "README.md's table of rule types is out of date");
        String sectionKeys = "The `monitor:` section's own keys: " + String.join(", ", MonitorConfig.keys(MonitorYaml.NOTIFIERS)
                .keys().stream().map(k -> "`" + k.name() + "`").toList());
        assertTrue(readme.replace("\n", " ").contains(sectionKeys), "README.md lists the monitor: keys as: " + sectionKeys);
    }

    @Test
    void everyMeterTheMonitorRegistersIsDocumentedUnderItsPrometheusName(@TempDir Path state) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String topic = "logs-" + UUID.randomUUID();
        MonitorConfig config = MonitorYaml.parse("""
                monitor:
                  topic: %s
                  state-dir: '%s'
                  rules: [{name: errors, type: match, where: {field: level, equals: ERROR}}]
                  notifiers:
                    - {type: webhook, url: "http://127.0.0.1:9/hook", retries: 0}
                    - {type: alertmanager, url: "http://127.0.0.1:9", retries: 0}
                """.formatted(topic, state));
        try (Broker broker = Brokers.open(Config.of("type", "memory", "name", "docs-test-" + UUID.randomUUID()), registry);
             Monitor monitor = Monitor.builder(broker, config).start()) {
            monitor.bindTo(registry);
            broker.producer().send(Message.builder(topic).payload("{}").build()).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> registry.scrape().contains("outcome=\"evaluated\"} 1.0"));
            Set<String> registered = names(registry.scrape(), "^(polybus_(?:monitor|broker_reachable|acks_pending)\\w*?)(?:\\{| )");
            String doc = Files.readString(DOC);
            Set<String> documented = names(doc.substring(doc.indexOf("| meter | tags |")), "`(polybus_\\w+)`");
            assertEquals(documented, registered);
        }
    }

    private static Set<String> names(String text, String pattern) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile(pattern, Pattern.MULTILINE).matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
