package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorYaml;
import io.polybus.monitor.NginxEvents;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rules driven by hand with explicit times: no broker, no threads, no sleeping. */
class RuleEngineTest {
    private static final long T0 = 1_795_000_000_000L;
    private final List<Alert> alerts = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();

    private RuleEngine engine(String rules) {
        return new RuleEngine(MonitorYaml.parse("monitor:\n  time: arrival\n  rules:\n" + rules), T0, alerts::add);
    }

    private RuleEngine.Outcome offer(RuleEngine engine, ObjectNode event, long at) {
        return engine.offer(JsonEvent.of(event), "m" + ids.incrementAndGet(), -1, at);
    }

    private static void tickEverySecond(RuleEngine engine, long from, long to) {
        for (long t = from; t <= to; t += 1000) {
            engine.tick(t);
        }
    }

    private List<Alert> alerts(Alert.Status status) {
        return alerts.stream().filter(a -> a.status() == status).toList();
    }

    private static final String BURST = """
                - name: nginx-5xx
                  type: threshold
                  where: [{field: fields.status, gte: 500}]
                  window: 1m
                  above: 50
                  group-by: host
            """;

    @Test
    void aRuleTracksAtMostMaxGroupsGroups() {
        RuleEngine engine = engine("""
                    - name: app-errors
                      type: match
                      where: [{field: fields.status, gte: 500}]
                      group-by: host
                      max-groups: 2
                """);
        for (int h = 1; h <= 4; h++) {
            offer(engine, NginxEvents.access("web-" + h, 502, "/api", "f" + h, 0), T0 + h);
        }
        assertEquals(List.of("web-1", "web-2"), alerts(Alert.Status.FIRING).stream().map(Alert::group).toList(),
                "groups past max-groups are ignored, not added");
    }

    @Test
    void burstOf5xxFiresOnceThenResolvesOnce() {
        RuleEngine engine = engine(BURST);
        for (int i = 0; i < 60; i++) {
            long at = T0 + i * 500L;
            offer(engine, NginxEvents.access("web-1", 502, "/api", "f1", i * 100L), at);
            offer(engine, NginxEvents.access("web-1", 200, "/", "f1", i * 100L + 50), at);
            offer(engine, NginxEvents.access("web-2", i % 5 == 0 ? 500 : 200, "/", "f2", i * 100L), at);
            engine.tick(at);
        }
        assertEquals(1, alerts(Alert.Status.FIRING).size(), alerts.toString());
        Alert fired = alerts.get(0);
        assertEquals("nginx-5xx", fired.rule());
        assertEquals("web-1", fired.group());
        assertEquals(51, fired.count());
        assertEquals(3, fired.samples().size());
        assertEquals(502, fired.samples().get(2).path("fields").path("status").asInt());

        tickEverySecond(engine, T0 + 30_000, T0 + 10 * 60_000);
        assertEquals(1, alerts(Alert.Status.FIRING).size(), alerts.toString());
        assertEquals(1, alerts(Alert.Status.RESOLVED).size(), alerts.toString());
        Alert resolved = alerts(Alert.Status.RESOLVED).get(0);
        assertEquals(fired.id(), resolved.id());
        assertEquals(60, resolved.count(), "the peak count");
        assertTrue(resolved.at().toEpochMilli() >= T0 + 120_000,
                "the count falls after a window, then must stay down for resolve-after (a window); resolved at " + resolved.at());
    }

    @Test
    void duplicatesDoNotCountTwice() {
        RuleEngine engine = engine(BURST);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 30; i++) {
                RuleEngine.Outcome outcome = offer(engine, NginxEvents.access("web-1", 503, "/api", "f1", i * 100L), T0 + round * 1000 + i);
                assertEquals(round == 0 ? RuleEngine.Outcome.EVALUATED : RuleEngine.Outcome.DUPLICATE, outcome);
            }
        }
        engine.tick(T0 + 2000);
        assertEquals(List.of(), alerts, "60 deliveries of 30 events stay under 50");
        ObjectNode withoutIdentity = NginxEvents.access("web-1", 503, "/api", "f1", 0);
        withoutIdentity.remove("source");
        assertEquals(RuleEngine.Outcome.EVALUATED, engine.offer(JsonEvent.of(withoutIdentity), "same-id", -1, T0 + 3000));
        assertEquals(RuleEngine.Outcome.DUPLICATE, engine.offer(JsonEvent.of(withoutIdentity), "same-id", -1, T0 + 3001));
        assertEquals(RuleEngine.Outcome.EVALUATED, engine.offer(JsonEvent.of(withoutIdentity), "pack", 0, T0 + 3002));
        assertEquals(RuleEngine.Outcome.EVALUATED, engine.offer(JsonEvent.of(withoutIdentity), "pack", 1, T0 + 3003),
                "the second event of a pack is another event");
        assertEquals(RuleEngine.Outcome.DUPLICATE, engine.offer(JsonEvent.of(withoutIdentity), "pack", 1, T0 + 3004));
    }

    @Test
    void tumblingWindowRestartsAtItsBoundary() {
        RuleEngine engine = engine("""
                    - {name: t, type: threshold, window: 1m, window-type: tumbling, above: 5}
                """);
        long boundary = (T0 / 60_000 + 1) * 60_000;
        for (int i = 0; i < 4; i++) {
            offer(engine, NginxEvents.access("h", 200, "/", "f", i), boundary - 1000 + i);
        }
        for (int i = 0; i < 4; i++) {
            offer(engine, NginxEvents.access("h", 200, "/", "f", 100 + i), boundary + i);
        }
        engine.tick(boundary + 10);
        assertEquals(List.of(), alerts);
        offer(engine, NginxEvents.access("h", 200, "/", "f", 200), boundary + 20);
        offer(engine, NginxEvents.access("h", 200, "/", "f", 201), boundary + 21);
        assertEquals(1, alerts(Alert.Status.FIRING).size());
    }

    @Test
    void matchRuleFiresOnceAndResolvesAfterQuiet() {
        RuleEngine engine = engine("""
                    - name: oom
                      type: match
                      where: [{field: message, matches: "OutOfMemoryError|Cannot allocate"}]
                      resolve-after: 2m
                    - name: errors
                      type: match
                      where: [{field: fields.level, equals: ERROR}]
                      group-by: host
                      resolve-after: 1m
                """);
        offer(engine, NginxEvents.app("app-1", "INFO", "started", "a", 0), T0);
        offer(engine, NginxEvents.app("app-1", "ERROR", "java.lang.OutOfMemoryError: Java heap space", "a", 10), T0 + 1000);
        offer(engine, NginxEvents.app("app-1", "ERROR", "java.lang.OutOfMemoryError: Metaspace", "a", 20), T0 + 2000);
        offer(engine, NginxEvents.app("app-2", "ERROR", "boom", "b", 0), T0 + 3000);
        tickEverySecond(engine, T0, T0 + 50_000);
        assertEquals(List.of("oom", "errors/app-1", "errors/app-2"), alerts.stream()
                .map(a -> a.group() == null ? a.rule() : a.rule() + "/" + a.group()).toList());
        tickEverySecond(engine, T0 + 50_000, T0 + 200_000);
        List<Alert> resolved = alerts(Alert.Status.RESOLVED);
        assertEquals(3, resolved.size(), alerts.toString());
        Alert oom = resolved.stream().filter(a -> a.rule().equals("oom")).findFirst().orElseThrow();
        assertEquals(2, oom.count());
        assertEquals(T0 + 2000 + 120_000, oom.at().toEpochMilli());
    }

    @Test
    void absenceRuleFiresForSilentHostsAndResolvesWhenTheyReturn() {
        RuleEngine engine = engine("""
                    - {name: host-silent, type: absence, group-by: host, for: 5m, expected: [web-3]}
                    - {name: all-silent, type: absence, for: 10m}
                """);
        offer(engine, NginxEvents.access("web-1", 200, "/", "f1", 0), T0);
        offer(engine, NginxEvents.access("web-2", 200, "/", "f2", 0), T0);
        for (long t = T0; t <= T0 + 6 * 60_000; t += 10_000) {
            offer(engine, NginxEvents.access("web-1", 200, "/", "f1", t), t);
            engine.tick(t);
        }
        assertEquals(List.of("web-2", "web-3"), alerts(Alert.Status.FIRING).stream().map(Alert::group).sorted().toList());
        offer(engine, NginxEvents.access("web-2", 200, "/", "f2", 1), T0 + 7 * 60_000);
        tickEverySecond(engine, T0 + 7 * 60_000, T0 + 8 * 60_000);
        assertEquals(List.of("web-2"), alerts(Alert.Status.RESOLVED).stream().map(Alert::group).toList());
        assertEquals(2, alerts(Alert.Status.FIRING).size(), "no second notice for web-3, still silent");

        tickEverySecond(engine, T0 + 7 * 60_000, T0 + 19 * 60_000);
        offer(engine, NginxEvents.access("web-1", 200, "/", "f1", 99_999_999), T0 + 20 * 60_000);
        List<String> whole = alerts.stream().filter(a -> a.rule().equals("all-silent"))
                .map(a -> a.status() + "@" + (a.at().toEpochMilli() - T0) / 60_000 + "m").toList();
        assertEquals(List.of("FIRING@17m", "RESOLVED@20m"), whole, "silent for 10m after the last event at 7m");
    }

    @Test
    void conditionsCompareNumbersAndText() {
        RuleEngine engine = engine("""
                    - name: slow-api
                      type: match
                      where:
                        - {field: fields.request_uri, in: [/api, /login]}
                        - {field: fields.request_time, gt: 0.1}
                        - {field: fields.status, not-equals: 200}
                        - {field: tags, exists: false}
                        - {field: message, contains: request_uri}
                """);
        offer(engine, NginxEvents.access("web-1", 200, "/api", "f", 1), T0);
        offer(engine, NginxEvents.access("web-1", 404, "/other", "f", 2), T0);
        assertEquals(List.of(), alerts);
        offer(engine, NginxEvents.access("web-1", 404, "/login", "f", 3), T0);
        assertEquals(1, alerts.size());
    }

    @Test
    void whereAndGroupByReadFieldsByTheOneFieldPathAndConditionLanguage() {
        RuleEngine engine = engine("""
                    - name: errors-by-status
                      type: match
                      where:
                        any:
                          - {field: status, equals: "503"}
                          - all: [{field: status, gte: 500}, {not: {field: host, in: [web-1, web-2]}}]
                      group-by: status
                """);
        offer(engine, NginxEvents.access("web-1", 502, "/", "f", 1), T0);
        offer(engine, NginxEvents.access("web-1", 503, "/", "f", 2), T0);
        offer(engine, NginxEvents.access("web-3", 500, "/", "f", 3), T0);
        offer(engine, NginxEvents.access("web-2", 404, "/", "f", 4), T0);
        assertEquals(List.of("503", "500"), alerts(Alert.Status.FIRING).stream().map(Alert::group).toList(),
                "a numeric string equals the number; status is fields.status");
        assertEquals("status", alerts.get(0).groupBy());
    }
}
