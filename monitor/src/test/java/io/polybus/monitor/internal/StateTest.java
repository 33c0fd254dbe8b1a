package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorYaml;
import io.polybus.monitor.NginxEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules' state written by one engine and read back by the next, as across a restart. */
class StateTest {
    private static final long T0 = 1_795_000_000_000L;
    private static final String RULES = """
                - {name: burst, type: threshold, where: {field: fields.status, gte: 500}, window: 1m, above: 2,
                   group-by: host}
                - {name: share, type: ratio, where: {field: fields.status, gte: 500}, window: 1m, above: 0.5}
                - {name: jump, type: spike, window: 1m, factor: 3}
                - {name: slow, type: aggregate, field: fields.request_time, function: p99, window: 1m, above: 5}
                - {name: clients, type: cardinality, field: fields.remote_addr, window: 1m, above: 100}
                - {name: agents, type: new-term, field: fields.request_uri, learn-for: 0s}
                - {name: quiet, type: flatline, window: 1m, below: 1}
                - {name: errors, type: match, where: {field: fields.status, equals: 599}}
                - {name: gone, type: absence, for: 10m, group-by: host}
            """;

    @TempDir
    Path dir;
    private final List<Alert> alerts = new ArrayList<>();
    private long offset;

    private RuleEngine engine(String rules) {
        return new RuleEngine(MonitorYaml.parse("monitor:\n  time: arrival\n  rules:\n" + rules), T0, alerts::add);
    }

    private void offer(RuleEngine engine, String host, int status, long at) {
        ObjectNode e = NginxEvents.access(host, status, "/api/" + offset, "f", offset++);
        engine.offer(JsonEvent.of(e), "m" + offset, -1, at);
    }

    private List<String> notices() {
        return alerts.stream().map(a -> a.rule() + ":" + a.status()).toList();
    }

    @Test
    void aHalfFullWindowIsNotForgottenAndAFiringAlertDoesNotFireAgain() {
        RuleEngine before = engine(RULES);
        offer(before, "web-1", 502, T0 + 1000);
        offer(before, "web-1", 502, T0 + 2000);
        offer(before, "web-2", 502, T0 + 2000);
        offer(before, "web-2", 502, T0 + 2500);
        offer(before, "web-2", 502, T0 + 3000);
        assertEquals(List.of("agents:FIRING", "burst:FIRING"), notices().stream().distinct().sorted().toList());
        new StateStore(dir, "monitor-test", before, T0 + 3000).save();

        alerts.clear();
        RuleEngine after = engine(RULES);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StateStore store = new StateStore(dir, "monitor-test", after, T0 + 4000);
        store.bindTo(registry);
        assertEquals(0, registry.get("polybus.monitor.state.failures").tag("operation", "read").functionCounter().count());
        offer(after, "web-2", 502, T0 + 4000);
        offer(after, "web-2", 502, T0 + 4000); // a duplicate: the dedup memory came back too
        assertEquals(List.of(), notices(), "web-2 fires no second time, a known value is not new again");

        offer(after, "web-1", 502, T0 + 5000);
        assertEquals(List.of("burst:FIRING"), notices(), "web-1's window held 2 events: the third fires it");
        assertEquals("web-1", alerts.get(0).group());
        assertEquals(3, alerts.get(0).count());
    }

    @Test
    void everyRuleTypesStateSurvivesTwoRestarts() {
        RuleEngine engine = engine(RULES);
        for (int i = 0; i < 20; i++) {
            offer(engine, "web-" + i % 3, i % 2 == 0 ? 502 : 200, T0 + i * 100);
        }
        engine.tick(T0 + 3000);
        byte[] first = engine.snapshot();
        RuleEngine second = engine(RULES);
        new StateStore(dir, "monitor-test", engine, T0).save();
        assertEquals(9, second.restore(readBack(), T0 + 3000).size());
        assertEquals(first.length, second.snapshot().length, "what was read is what is written again");
    }

    private Object readBack() {
        try {
            return new StateFile(dir, "monitor-test").read().orElseThrow();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aRuleWhoseWindowChangedStartsEmpty() {
        RuleEngine before = engine("    - {name: burst, type: threshold, window: 1m, above: 2}\n");
        offer(before, "web-1", 502, T0);
        offer(before, "web-1", 502, T0);
        new StateStore(dir, "monitor-test", before, T0).save();

        RuleEngine after = engine("    - {name: burst, type: threshold, window: 2m, above: 2}\n");
        new StateStore(dir, "monitor-test", after, T0);
        offer(after, "web-1", 502, T0 + 1);
        assertEquals(List.of(), notices(), "the 1m window's two events are not counted in the 2m window");
    }

    @Test
    void aCorruptOrForeignSnapshotIsCountedAndTheMonitorStartsEmpty() throws Exception {
        Path file = dir.resolve("monitor-test.state");
        Files.write(file, "not a snapshot at all".getBytes());
        assertStartsEmptyCountingOneFailure();

        byte[] good = engine(RULES).snapshot();
        Files.write(file, java.util.Arrays.copyOf(good, good.length / 2));
        assertStartsEmptyCountingOneFailure();

        ByteBuffer.wrap(good).putInt(4, StateFile.VERSION + 1);
        Files.write(file, good);
        assertStartsEmptyCountingOneFailure();
    }

    private void assertStartsEmptyCountingOneFailure() {
        RuleEngine engine = engine("    - {name: burst, type: threshold, window: 1m, above: 0}\n");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new StateStore(dir, "monitor-test", engine, T0).bindTo(registry);
        assertEquals(1, registry.get("polybus.monitor.state.failures").tag("operation", "read").functionCounter().count());
        alerts.clear();
        offer(engine, "web-1", 502, T0);
        assertEquals(List.of("burst:FIRING"), notices(), "the engine works, empty");
        assertTrue(engine.snapshot().length > 0);
    }
}
