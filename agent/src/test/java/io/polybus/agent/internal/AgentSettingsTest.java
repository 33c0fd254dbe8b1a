package io.polybus.agent.internal;

import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.agent.AgentConfig;
import io.polybus.agent.internal.file.FileSourceProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentSettingsTest {
    private static final AgentPlugins PLUGINS = AgentPlugins.load();

    static AgentSettings parse(String yaml, Map<String, String> env) {
        return AgentSettings.parse(Config.readYaml(yaml, env::get), PLUGINS.sources(), PLUGINS.processors(), env::get, Set.of());
    }

    private static String problems(String yaml, Map<String, String> env) {
        ConfigException e = assertThrows(ConfigException.class, () -> AgentConfig.fromYaml(yaml, env::get));
        return String.join("\n", e.problems().stream().map(ConfigException.Problem::toString).toList());
    }

    private static void assertContainsAll(String all, List<String> expected) {
        for (String e : expected) {
            assertTrue(all.contains(e), "missing <" + e + "> in:\n" + all);
        }
    }

    @Test
    void defaultsToTheMemoryBrokerAndExpandsPlaceholders() {
        AgentSettings s = parse("""
                agent: {host: '${HOST_NAME:-fallback}', data-dir: '${DATA}'}
                sources:
                  - {name: web, paths: ['${LOGS}/*.log'], topic: 'logs-{service}', key: '{host}'}
                """, Map.of("DATA", "/tmp/d", "LOGS", "/var/log/nginx"));
        assertEquals("fallback", s.host());
        assertEquals("/tmp/d", s.dataDir().toString());
        assertEquals("memory", s.broker().get("type").orElseThrow());
        AgentSettings.SourceSpec web = s.sources().get(0);
        assertEquals("file", web.type());
        assertTrue(web.spec().provider() instanceof FileSourceProvider);
        assertEquals(List.of("/var/log/nginx/*.log"), web.spec().config().getList("paths"));
        assertEquals(1 << 20, web.spec().config().getSize("max-event-bytes"));
        assertEquals(Duration.ofSeconds(1), web.spec().config().getDuration("scan-interval"));
        assertEquals("logs-{service}", web.topic().toString());
        assertEquals(Duration.ofSeconds(30), s.delivery().shutdownTimeout());
    }

    @Test
    void listsEveryProblemWithItsPath() {
        String all = problems("""
                agent: {hots: typo, checkpoint-interval: soon}
                delivery: {max-bytes-in-flight: lots, events-per-message: 0, max-message-bytes: 12, send-timeout: PT0.0005S}
                sources:
                  - {name: a, type: file}
                  - {name: b, type: kafka-topic, paths: [x]}
                  - name: c
                    paths: [y]
                    multiline: {timeout: 1s}
                    processors:
                      - {type: json, colour: red}
                      - {type: regex, pattern: '(?<n>\\\\d+)', numbers: [m]}
                      - {type: filter, drop-when: {field: status, gte: lots}}
                  - {name: c, paths: ['${MISSING}']}
                broker: {type: memory, nme: x}
                extra: 1
                """, Map.of());
        assertContainsAll(all, List.of("agent.hots: unknown key for section 'agent'", "agent.checkpoint-interval: 'soon' is not valid",
                "delivery.max-bytes-in-flight: 'lots' is not valid", "delivery.events-per-message: '0' is not valid",
                "delivery.max-message-bytes: '12' is not valid", "delivery.send-timeout: 'PT0.0005S' is not valid",
                "sources[0].paths: required",
                "sources[1].type: 'kafka-topic' is not valid; unknown source type; found on the class path: file, host-metrics, stdin, syslog",
                "sources[2].multiline.start: required",
                "sources[2].processors[0].colour: unknown key for processor 'json'",
                "sources[2].processors[1].numbers: 'm' is not valid; expected the name of a group of the pattern: [n]",
                "sources[2].processors[2].drop-when.gte: 'lots' is not valid; expected a number",
                "sources[3].paths[0]: environment variable MISSING is not set",
                "broker.nme: unknown key for broker 'memory'", "extra: unknown key"));
    }

    @Test
    void aNameTwiceIsNamed() {
        assertContainsAll(problems("sources: [{name: c, paths: [a]}, {name: c, paths: [b]}]\n", Map.of()),
                List.of("sources[1].name: 'c' is not valid; expected a name no other source has"));
    }

    @Test
    void rejectsAnUnknownBrokerTypeNamingTheTypesFound() {
        String all = problems("sources: [{type: stdin}]\nbroker: {type: kafak}\n", Map.of());
        assertTrue(all.contains("broker.type: 'kafak' is not valid; unknown broker type; types found on the class path: "), all);
        assertTrue(all.contains("memory"), all);
    }

    @Test
    void rejectsYamlThatIsNotAMapping() {
        assertTrue(problems("- a\n- b\n", Map.of()).contains("must be a mapping"));
        assertTrue(problems("sources: [\n", Map.of()).contains("not valid YAML"));
        assertTrue(problems("agent: {}\n", Map.of()).contains("sources: required"));
    }

    @Test
    void syslogDefaultsToUdpOnTheLoopbackWithSmallerEvents() {
        AgentSettings s = parse("sources: [{type: syslog}, {type: syslog, protocol: tcp, listen: '[::1]:0', "
                + "max-connections: 5, framing: octet-counting, oversize: truncate, topic: 'syslog-{app_name}'}]\n", Map.of());
        AgentSettings.SourceSpec udp = s.sources().get(0);
        assertEquals("syslog-0", udp.name());
        assertEquals(64 << 10, udp.spec().config().getSize("max-event-bytes"));
        AgentSettings.SourceSpec tcp = s.sources().get(1);
        assertEquals("tcp", tcp.spec().config().getString("protocol"));
        assertEquals(5, tcp.spec().config().getInt("max-connections"));
        assertEquals("truncate", tcp.spec().config().getString("oversize"));
    }

    @Test
    void syslogNamesEveryBadKeyWithItsPath() {
        String all = problems("""
                sources:
                  - {type: syslog, protocol: sctp, listen: 'localhost', paths: [/var/log/x]}
                  - {type: syslog, listen: '127.0.0.1:70000'}
                  - {type: syslog, framing: octet-counting, max-connections: 3}
                  - {type: syslog, protocol: tcp, listen: ':514', framing: lines, max-connections: 0, multiline: {start: x}}
                  - {type: syslog, protocol: tcp, listen: 'no-such-host.invalid:514', max-event-bytes: 1}
                  - {type: file, paths: [x], listen: '127.0.0.1:514'}
                """, Map.of());
        assertContainsAll(all, List.of(
                "sources[0].protocol: 'sctp' is not valid; expected one of udp, tcp",
                "sources[0].listen: 'localhost' is not valid; expected host:port",
                "sources[0].paths: unknown key for source 'syslog'; known keys: name, topic, key, processors, protocol, listen",
                "sources[1].listen: '127.0.0.1:70000' is not valid",
                "sources[2].framing: used with protocol: tcp only",
                "sources[2].max-connections: used with protocol: tcp only",
                "sources[3].listen: ':514' is not valid",
                "sources[3].framing: 'lines' is not valid; expected one of auto, octet-counting, newline",
                "sources[3].max-connections: '0' is not valid; expected a value from 1 to 100000",
                "sources[3].multiline: unknown key",
                "sources[4].listen: 'no-such-host.invalid:514' is not valid",
                "sources[4].max-event-bytes: '1' is not valid",
                "sources[5].listen: unknown key"));
    }

    @Test
    void aDataDirectoryThatIsAFileIsAProblemNamingTheCause(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("data"), "not a directory");
        String sources = "sources: [{type: stdin}]\n";
        assertContainsAll(problems("agent: {data-dir: '" + file + "'}\n" + sources, Map.of()),
                List.of("agent.data-dir: '" + file + "' is not valid; it is a file, not a directory"));
        assertContainsAll(problems("agent: {data-dir: '" + file.resolve("below") + "'}\n" + sources, Map.of()),
                List.of("its parent " + file + " is a file, not a directory"));
        parse("agent: {data-dir: '" + file + "', checkpoints: false}\n" + sources, Map.of());
    }
}
