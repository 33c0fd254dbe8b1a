package io.polybus.agent.internal;

import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {
    private static List<String> problems(String yaml, Map<String, String> env) {
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.parse(yaml, env::get));
        return e.problems().stream().map(ConfigException.Problem::toString).toList();
    }

    @Test
    void defaultsToTheMemoryBrokerAndExpandsPlaceholders() {
        Settings s = Settings.parse("""
                agent: {host: '${HOST_NAME:-fallback}', data-dir: '${DATA}'}
                sources:
                  - {name: web, paths: ['${LOGS}/*.log'], topic: 'logs-{service}', key: '{host}'}
                """, Map.of("DATA", "/tmp/d", "LOGS", "/var/log/nginx")::get);
        assertEquals("fallback", s.host());
        assertEquals("/tmp/d", s.dataDir().toString());
        assertEquals("memory", s.broker().get("type").orElseThrow());
        Settings.Source web = s.sources().get(0);
        assertEquals(List.of("/var/log/nginx/*.log"), web.paths());
        assertEquals("file", web.type());
        assertEquals(1 << 20, web.maxEventBytes());
        assertEquals(Duration.ofSeconds(1), web.scanInterval());
    }

    @Test
    void listsEveryProblemWithItsPath() {
        List<String> p = problems("""
                agent: {hots: typo, checkpoint-interval: soon}
                delivery: {max-bytes-in-flight: lots, events-per-message: 0, max-message-bytes: 12}
                sources:
                  - {name: a, type: file}
                  - {name: b, type: kafka-topic, paths: [x]}
                  - name: c
                    paths: [y]
                    multiline: {timeout: 1s}
                    processors:
                      - {type: json, colour: red}
                  - {name: c, paths: ['${MISSING}']}
                broker: {type: memory, nme: x}
                extra: 1
                """, Map.of());
        String all = String.join("\n", p);
        for (String expected : List.of("agent.hots: unknown key", "agent.checkpoint-interval: 'soon' is not valid",
                "delivery.max-bytes-in-flight: 'lots' is not valid", "delivery.events-per-message: '0' is not valid", "delivery.max-message-bytes: '12' is not valid",
                "sources[0].paths: required",
                "sources[1].type: 'kafka-topic' is not valid; expected one of file, stdin", "sources[2].multiline.start: required",
                "sources[2].processors[0].colour: unknown key", "sources[3].paths[0]: environment variable MISSING is not set",
                "sources[3].name: 'c' is not valid", "broker.nme: unknown key for broker 'memory'", "extra: unknown key")) {
            assertTrue(all.contains(expected), "missing <" + expected + "> in:\n" + all);
        }
    }

    @Test
    void rejectsAnUnknownBrokerTypeNamingTheTypesFound() {
        String all = String.join("\n", problems("sources: [{type: stdin}]\nbroker: {type: kafak}\n", Map.of()));
        assertTrue(all.contains("broker.type: 'kafak' is not valid; unknown broker type; types found on the class path: "), all);
        assertTrue(all.contains("memory"), all);
    }

    @Test
    void rejectsYamlThatIsNotAMapping() {
        assertTrue(problems("- a\n- b\n", Map.of()).get(0).contains("must be a mapping"));
        assertTrue(problems("sources: [\n", Map.of()).get(0).contains("not valid YAML"));
        assertTrue(problems("agent: {}\n", Map.of()).get(0).contains("sources: required"));
    }
}
