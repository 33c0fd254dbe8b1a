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

/**
 * The windowed rule types (ratio, spike, aggregate, cardinality, flatline) and new-term, driven by hand with explicit
 * times: no broker, no threads, no sleeping.
 */
class RuleTypesTest {
    private static final long T0 = 1_795_000_000_000L;
    private static final long MINUTE = 60_000;
    private final List<Alert> alerts = new ArrayList<>();
    private final AtomicLong offsets = new AtomicLong();
    private RuleEngine engine;

    private void rules(String rules) {
        engine = new RuleEngine(MonitorYaml.parse("monitor:\n  time: arrival\n  rules:\n" + rules), T0, alerts::add);
    }

    /** An nginx access event of {@code host} with the status, URI, client and request time given, at {@code at}. */
    private void request(String host, int status, String uri, String client, double requestTime, long at) {
        ObjectNode e = NginxEvents.access(host, status, uri, "f", offsets.incrementAndGet());
        ((ObjectNode) e.get("fields")).put("remote_addr", client).put("request_time", requestTime);
        engine.offer(JsonEvent.of(e), "m", -1, at);
    }

    private void request(int status, long at) {
        request("web-1", status, "/", "10.0.0.1", 0.1, at);
    }

    /** {@code count} events spread evenly over [from, to), ticking every second in between. */
    private void steady(int count, int status, long from, long to) {
        long step = (to - from) / count;
        long nextTick = from;
        for (int i = 0; i < count; i++) {
            long at = from + i * step;
            for (; nextTick <= at; nextTick += 1000) {
                engine.tick(nextTick);
            }
            request(status, at);
        }
        ticks(nextTick, to);
    }

    private void ticks(long from, long to) {
        for (long t = from; t < to; t += 1000) {
            engine.tick(t);
        }
    }

    private List<String> notices() {
        return alerts.stream().map(a -> a.rule() + (a.group() == null ? "" : "/" + a.group()) + ":" + a.status()
                + "@" + (a.at().toEpochMilli() - T0) / 1000 + "s").toList();
    }

    private Alert last(Alert.Status status) {
        List<Alert> of = alerts.stream().filter(a -> a.status() == status).toList();
        return of.get(of.size() - 1);
    }

    @Test
    void ratioFiresOnTheShareOf5xxOnlyWithEnoughRequestsAndResolvesAfterQuiet() {
        rules("""
                    - name: share-5xx
                      type: ratio
                      where: {field: status, gte: 500}
                      window: 1m
                      above: 0.05
                      min-count: 100
                      resolve-after: 30s
                """);
        for (int i = 0; i < 99; i++) {
            request(i < 20 ? 502 : 200, T0 + i * 100);
        }
        engine.tick(T0 + 10_000);
        assertEquals(List.of(), notices(), "20% of 99 requests: under min-count");
        request(200, T0 + 10_000);
        engine.tick(T0 + 10_000);
        assertEquals(List.of("share-5xx:FIRING@10s"), notices());
        Alert fired = alerts.get(0);
        assertEquals(0.2, fired.value(), 1e-9);
        assertEquals(0.05, fired.limit());
        assertEquals(100, fired.count());
        assertTrue(fired.summary().endsWith("share-5xx: 20% of 100 events in 1m match (more than 5%)"), fired.summary());
        assertEquals(3, fired.samples().size());
        assertEquals(502, fired.samples().get(2).path("fields").path("status").asInt(), "only matching events are samples");

        steady(100, 200, T0 + 10_000, T0 + 60_000);
        assertEquals(List.of("share-5xx:FIRING@10s"), notices(), "still over 5% while the burst is in the window");
        steady(400, 200, T0 + 60_000, T0 + 130_000);
        assertEquals(List.of("share-5xx:FIRING@10s", "share-5xx:RESOLVED@91s"), notices(),
                "the burst (from 0 to 1.9s) has left the window at 61s; 30s later it resolves");
        Alert resolved = last(Alert.Status.RESOLVED);
        assertEquals(fired.id(), resolved.id());
        assertEquals(0.2, resolved.value(), 1e-9, "the worst share while firing");
    }

    @Test
    void ratioTakesItsShareOfTheEventsOfOfAndPerGroup() {
        rules("""
                    - name: api-errors
                      type: ratio
                      where: {field: status, gte: 500}
                      of: {field: request_uri, equals: /api}
                      window: 1m
                      above: 0.5
                      group-by: host
                """);
        for (int i = 0; i < 10; i++) {
            request("web-1", 500, "/api", "c", 0.1, T0 + i);
            request("web-1", 200, "/", "c", 0.1, T0 + i);
            request("web-1", 200, "/", "c", 0.1, T0 + i);
            request("web-2", i < 5 ? 500 : 200, "/api", "c", 0.1, T0 + i);
            request("web-2", 502, "/static", "c", 0.1, T0 + i);
        }
        engine.tick(T0 + 1000);
        assertEquals(List.of("api-errors/web-1:FIRING@1s"), notices(),
                "web-1: all of its /api requests failed; web-2: half of them, and /static does not count");
    }

    @Test
    void spikeComparesTheWindowWithThePreviousOneOnceBothWereWatched() {
        rules("""
                    - {name: burst, type: spike, window: 1m, factor: 3, min-count: 10, direction: both}
                """);
        steady(10, 200, T0, T0 + MINUTE);
        steady(10, 200, T0 + MINUTE, T0 + 2 * MINUTE);
        assertEquals(List.of(), notices());
        steady(12, 200, T0 + 2 * MINUTE, T0 + 3 * MINUTE);
        assertEquals(List.of(), notices(), "12 against 10");
        steady(60, 200, T0 + 3 * MINUTE, T0 + 4 * MINUTE);
        assertEquals(1, alerts.size(), notices().toString());
        Alert up = alerts.get(0);
        assertEquals(3.0, up.limit());
        assertTrue(up.value() > 3, "more than 3 times the previous window: " + up.summary());
        assertTrue(up.summary().contains("x the previous window's"), up.summary());

        steady(60, 200, T0 + 4 * MINUTE, T0 + 6 * MINUTE);
        assertEquals(Alert.Status.RESOLVED, alerts.get(1).status(), notices().toString());
        assertEquals(up.id(), alerts.get(1).id());
        steady(5, 200, T0 + 6 * MINUTE, T0 + 7 * MINUTE);
        assertEquals(3, alerts.size(), notices().toString());
        assertTrue(alerts.get(2).summary().contains("x fewer than the previous window's"), alerts.get(2).summary());
    }

    @Test
    void spikeWaitsUntilBothWindowsWereWatched() {
        rules("""
                    - {name: burst, type: spike, window: 1m, factor: 3, min-count: 10}
                """);
        steady(50, 200, T0, T0 + MINUTE);
        engine.tick(T0 + MINUTE);
        assertEquals(List.of(), notices(), "50 events after none: the window before the first was not watched");
    }

    @Test
    void spikeAgainstABaselineNeedsMinCountInTheWindowToFireUp() {
        rules("""
                    - {name: errors-up, type: spike, window: 1m, factor: 2, baseline: 2, min-count: 20}
                """);
        steady(10, 500, T0, T0 + MINUTE);
        steady(15, 500, T0 + MINUTE, T0 + 2 * MINUTE);
        assertEquals(List.of(), notices(), "7 times the baseline, but under min-count");
        steady(30, 500, T0 + 2 * MINUTE, T0 + 3 * MINUTE);
        assertEquals(1, alerts.size(), notices().toString());
        assertTrue(alerts.get(0).summary().contains("x the baseline's 2 (factor 2)"), alerts.get(0).summary());
    }

    @Test
    void aggregateP99OfRequestTimeFiresAboveOneSecond() {
        rules("""
                    - name: slow-p99
                      type: aggregate
                      field: request_time
                      function: p99
                      window: 1m
                      above: 1
                      group-by: request_uri
                """);
        for (int i = 0; i < 1000; i++) {
            request("web-1", 200, "/api", "c", i < 980 ? 0.05 + i / 10_000.0 : 2.5, T0 + i * 10);
            request("web-1", 200, "/", "c", 0.01, T0 + i * 10);
        }
        ObjectNode text = NginxEvents.access("web-1", 200, "/", "f", 1);
        ((ObjectNode) text.get("fields")).put("request_time", "-");
        engine.offer(JsonEvent.of(text), "text", -1, T0 + 10_000);
        engine.tick(T0 + 10_000);
        assertEquals(List.of("slow-p99//api:FIRING@10s"), notices());
        Alert fired = alerts.get(0);
        assertEquals(2.5, fired.value(), 2.5 / 100, "within 1%");
        assertEquals(1000, fired.count());
        assertTrue(fired.summary().contains("p99 of request_time is 2.5"), fired.summary());

        ticks(T0 + 10_000, T0 + 3 * MINUTE);
        assertEquals(List.of("slow-p99//api:FIRING@10s", "slow-p99//api:RESOLVED@129s"), notices(),
                "the last values (at 9.99s) leave the window at 69s: no longer judged, so resolved a window later");
    }

    @Test
    void aggregateAvgMinMaxAndSumBelowAndAbove() {
        rules("""
                    - {name: avg, type: aggregate, field: request_time, function: avg, window: 1m, above: 0.5}
                    - {name: max, type: aggregate, field: request_time, function: max, window: 1m, above: 0.85}
                    - {name: min, type: aggregate, field: request_time, function: min, window: 1m, below: 0.2}
                    - {name: sum, type: aggregate, field: request_time, function: sum, window: 1m, above: 2.5, min-count: 4}
                """);
        request("web-1", 200, "/", "c", 0.3, T0);
        request("web-1", 200, "/", "c", 0.8, T0 + 1);
        request("web-1", 200, "/", "c", 0.9, T0 + 2);
        engine.tick(T0 + 1000);
        assertEquals(List.of("avg:FIRING@1s", "max:FIRING@1s"), notices(), "avg 0.667, max 0.9, min 0.3, sum 2.0");
        assertEquals(2.0 / 3, alerts.get(0).value(), 1e-9);
        request("web-1", 200, "/", "c", 0.1, T0 + 2000);
        engine.tick(T0 + 2000);
        assertEquals(List.of("avg:FIRING@1s", "max:FIRING@1s", "min:FIRING@2s"), notices(),
                "sum 2.1 of 4 values: not above 2.5");
        request("web-1", 200, "/", "c", "0.5", T0 + 3000);
        engine.tick(T0 + 3000);
        assertEquals("sum:FIRING@3s", notices().get(3), "a numeric string is a number");
        assertEquals(2.6, alerts.get(3).value(), 1e-9);
    }

    private void request(String host, int status, String uri, String client, String requestTime, long at) {
        ObjectNode e = NginxEvents.access(host, status, uri, "f", offsets.incrementAndGet());
        ((ObjectNode) e.get("fields")).put("remote_addr", client).put("request_time", requestTime);
        engine.offer(JsonEvent.of(e), "m", -1, at);
    }

    @Test
    void cardinalityCountsDistinctClientsInTheWindowExactlyUpToMaxValues() {
        rules("""
                    - name: many-clients
                      type: cardinality
                      field: remote_addr
                      window: 1m
                      above: 5
                      max-values: 8
                      group-by: request_uri
                """);
        for (int i = 0; i < 50; i++) {
            request("web-1", 200, "/login", "10.0.0." + i % 5, 0.1, T0 + i);
        }
        engine.tick(T0 + 1000);
        assertEquals(List.of(), notices(), "5 distinct clients, not more than 5");
        request("web-1", 200, "/login", "10.0.0.77", 0.1, T0 + 2000);
        engine.tick(T0 + 2000);
        assertEquals(List.of("many-clients//login:FIRING@2s"), notices());
        assertEquals(6.0, alerts.get(0).value());
        for (int i = 0; i < 5; i++) {
            request("web-1", 200, "/login", "10.1.0." + i, 0.1, T0 + 3000);
        }
        assertEquals(3, engine.evictions("many-clients"), "11 distinct, 8 remembered");
        ticks(T0 + 3000, T0 + 3 * MINUTE);
        assertEquals(List.of("many-clients//login:FIRING@2s", "many-clients//login:RESOLVED@122s"), notices(),
                "a client leaves the window 60s after it was last seen: at 62s only the 5 seen at 3s are left; "
                        + "a window later it resolves");
        assertEquals(8.0, last(Alert.Status.RESOLVED).value(), "the most seen, as remembered");
    }

    @Test
    void cardinalityBelowFiresOnlyOnceAWholeWindowWasWatched() {
        rules("""
                    - {name: few-hosts, type: cardinality, field: host, window: 1m, below: 2}
                """);
        request("web-1", 200, "/", "c", 0.1, T0 + 1000);
        ticks(T0, T0 + 59_000);
        assertEquals(List.of(), notices());
        ticks(T0 + 59_000, T0 + 61_000);
        assertEquals(List.of("few-hosts:FIRING@60s"), notices());
        for (long t = T0 + 61_000; t < T0 + 130_000; t += 10_000) {
            request("web-2", 200, "/", "c", 0.1, t);
            request("web-1", 200, "/", "c", 0.1, t);
            ticks(t, t + 10_000);
        }
        assertEquals(List.of("few-hosts:FIRING@60s", "few-hosts:RESOLVED@121s"), notices());
    }

    @Test
    void newTermFiresForAClientNotSeenWithinRememberAfterLearning() {
        rules("""
                    - name: new-client
                      type: new-term
                      field: remote_addr
                      group-by: request_uri
                      remember: 1h
                      learn-for: 10m
                      max-terms: 2
                      resolve-after: 5m
                """);
        request("web-1", 200, "/admin", "10.0.0.1", 0.1, T0);
        request("web-1", 200, "/admin", "10.0.0.2", 0.1, T0 + MINUTE);
        ticks(T0, T0 + 10 * MINUTE);
        request("web-1", 200, "/admin", "10.0.0.1", 0.1, T0 + 11 * MINUTE);
        assertEquals(List.of(), notices(), "learnt in the first 10 minutes");
        request("web-1", 200, "/admin", "10.9.9.9", 0.1, T0 + 12 * MINUTE);
        request("web-1", 200, "/admin", "10.9.9.9", 0.1, T0 + 12 * MINUTE + 1);
        request("web-1", 200, "/", "10.9.9.9", 0.1, T0 + 12 * MINUTE + 2);
        assertEquals(List.of("new-client//admin:FIRING@720s", "new-client//:FIRING@720s"), notices(),
                "a value is new per group");
        assertTrue(alerts.get(0).summary().endsWith("new-client [request_uri=/admin]: new remote_addr '10.9.9.9' (not seen in 1h)"),
                alerts.get(0).summary());
        assertEquals(2, engine.evictions("new-client"), "4 terms, at most 2 remembered: 10.0.0.2 and 10.0.0.1 forgotten");
        request("web-1", 200, "/admin", "10.0.0.1", 0.1, T0 + 13 * MINUTE);
        ticks(T0 + 13 * MINUTE, T0 + 20 * MINUTE);
        List<Alert> resolved = alerts.stream().filter(a -> a.status() == Alert.Status.RESOLVED).toList();
        assertEquals(2, resolved.size(), notices().toString());
        assertEquals(2, resolved.stream().filter(a -> "/admin".equals(a.group())).findFirst().orElseThrow().count(),
                "10.0.0.1 was forgotten at the cap, so it was new again");

        request("web-1", 200, "/", "10.9.9.9", 0.1, T0 + 12 * MINUTE + 2 + 60 * MINUTE);
        assertEquals(5, alerts.size(), "unseen for 1h: new again");
    }

    @Test
    void flatlineFiresWhenTheRateFallsUnderBelowOnceAWindowWasWatched() {
        rules("""
                    - {name: traffic-low, type: flatline, window: 1m, below: 10, resolve-after: 30s}
                    - {name: silent, type: absence, for: 1m}
                """);
        steady(5, 200, T0, T0 + MINUTE);
        assertEquals(List.of(), notices(), "not a whole window yet");
        engine.tick(T0 + MINUTE);
        assertEquals(List.of("traffic-low:FIRING@60s"), notices(), "5 events in the first minute");
        steady(30, 200, T0 + MINUTE, T0 + 3 * MINUTE);
        assertEquals(List.of("traffic-low:FIRING@60s", "traffic-low:RESOLVED@119s"), notices(),
                "10 events in the window at 89s (one every 4s from 60s, and the first minute's last at 48s); 30s later");
        assertEquals(4.0, last(Alert.Status.RESOLVED).value(), "the lowest count while firing: at 60s the event at 0s had left");
        steady(1, 200, T0 + 3 * MINUTE, T0 + 5 * MINUTE);
        assertEquals(List.of("traffic-low:FIRING@60s", "traffic-low:RESOLVED@119s", "traffic-low:FIRING@204s",
                "silent:FIRING@240s"), notices(), "a trickle (9 events from 145s to 204s) is a flatline; an absence "
                + "waits for a minute of silence after the last event, at 180s");
    }
}
