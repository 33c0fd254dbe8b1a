package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.ConfigException;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorYaml;
import io.polybus.monitor.NginxEvents;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Windows by the events' own timestamps, with the arrival clock given by hand. */
class EventTimeTest {
    private static final long NOW = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
    private static final long MINUTE = 60_000;
    private final List<Alert> alerts = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();

    private RuleEngine engine(String keys, String rules) {
        return new RuleEngine(MonitorYaml.parse("monitor:\n" + keys + "  rules:\n" + rules), NOW, alerts::add);
    }

    /** A 5xx of {@code host} stamped {@code stamp}, reaching the monitor at {@code arrival}. */
    private RuleEngine.Outcome offer(RuleEngine engine, String host, long stamp, long arrival) {
        ObjectNode e = NginxEvents.access(host, 502, "/api", "f", ids.incrementAndGet());
        e.put("timestamp", Instant.ofEpochMilli(stamp).toString());
        return engine.offer(JsonEvent.of(e), "m" + ids.get(), -1, arrival);
    }

    private static final String BURST = """
                - name: burst
                  type: threshold
                  where: [{field: fields.status, gte: 500}]
                  window: 1m
                  window-type: tumbling
                  above: 2
                  resolve-after: 0s
            """;

    @Test
    void aReplayedBacklogOfHoursOldEventsUpdatesStateButDoesNotNotify() {
        RuleEngine engine = engine("", BURST);
        long hoursAgo = NOW - 3 * 60 * MINUTE;
        for (int i = 0; i < 5; i++) {
            assertEquals(RuleEngine.Outcome.EVALUATED, offer(engine, "web-1", hoursAgo + i * 1000, NOW + i));
        }
        engine.tick(NOW + 10);
        assertEquals(List.of(), alerts, "an alert of three hours ago is not news");

        for (int i = 0; i < 3; i++) {
            offer(engine, "web-1", NOW + 20_000 + i, NOW + 20_000 + i);
        }
        engine.tick(NOW + 21_000);
        assertEquals(1, alerts.size(), "the backlog's alert resolved silently; today's burst fires: " + alerts);
        Alert fired = alerts.get(0);
        assertEquals(Alert.Status.FIRING, fired.status());
        assertEquals(3, fired.count());
        assertEquals(NOW + 20_002, fired.at().toEpochMilli(), "the notice names the event-time window's end");
    }

    @Test
    void eventsLaterThanTheAllowedLatenessAreCountedAsLateAndLeftOut() {
        RuleEngine engine = engine("  allowed-lateness: 10s\n", BURST);
        long t = NOW + 65_000; // the window [10:01, 10:02)
        offer(engine, "web-1", t, t);
        offer(engine, "web-1", t + 1000, t + 1000);
        assertEquals(RuleEngine.Outcome.LATE, offer(engine, "web-1", t - 30_000, t + 2000));
        assertEquals(1, engine.late());

        assertEquals(RuleEngine.Outcome.EVALUATED, offer(engine, "web-1", t - 6_000, t + 3000));
        assertEquals(List.of(), alerts, "an event of 10:00:59 is not counted in the window of 10:01");

        offer(engine, "web-1", t + 4000, t + 4000);
        assertEquals(1, alerts.size());
        assertEquals(3, alerts.get(0).count());
    }

    @Test
    void theClockRunsOnWithArrivalTimeWhileNoEventsCome() {
        RuleEngine engine = engine("", """
                    - name: quiet
                      type: absence
                      for: 1m
                """);
        long stamp = NOW - 5000;
        offer(engine, "web-1", stamp + MINUTE, NOW);
        engine.tick(NOW + MINUTE - 1000);
        assertEquals(List.of(), alerts);
        engine.tick(NOW + MINUTE);
        assertEquals(1, alerts.size());
        assertEquals(stamp + 2 * MINUTE, alerts.get(0).at().toEpochMilli(), "a minute after the last event's time");
    }

    @Test
    void arrivalTimeIgnoresTheTimestamps() {
        RuleEngine engine = engine("  time: arrival\n", BURST);
        for (int i = 0; i < 3; i++) {
            offer(engine, "web-1", NOW - 3 * 60 * MINUTE, NOW + i);
        }
        assertEquals(1, alerts.size());
        assertEquals(NOW + 2, alerts.get(0).at().toEpochMilli());
    }

    @Test
    void badTimeKeysAreNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> engine(
                "  time: wall\n  allowed-lateness: -1s\n  notify-max-age: soon\n  timestamp-field: ''\n", BURST));
        List<String> keys = e.problems().stream().map(ConfigException.Problem::key).toList();
        assertTrue(keys.containsAll(List.of("monitor.time", "monitor.allowed-lateness", "monitor.notify-max-age",
                "monitor.timestamp-field")), keys.toString());
    }
}
