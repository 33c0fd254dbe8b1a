package io.polybus.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.Broker;
import io.polybus.Message;
import io.polybus.Producer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules' semantics, whichever engine evaluates them: events in with explicit event times, notices out. Each
 * engine extends it once ({@link EmbeddedRuleSemanticsTest}, {@link KafkaStreamsRuleSemanticsTest}), as each broker
 * extends the conformance suite.
 */
abstract class RuleSemanticsSuite {
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);

    final String topic = "semantics-" + UUID.randomUUID();
    final String group = "monitor-" + UUID.randomUUID();
    final List<Alert> notices = new CopyOnWriteArrayList<>();
    private MonitorConfig config;
    private Monitor monitor;
    private Producer producer;

    /** The broker the events go through; opened once per test by the subclass. */
    abstract Broker broker();

    /** The {@code monitor:} keys that select the engine, each line indented by two spaces. */
    abstract String engineKeys();

    @AfterEach
    void closeMonitor() {
        if (monitor != null) {
            monitor.close();
        }
        if (producer != null) {
            producer.close();
        }
    }

    void start(String rules) {
        config = MonitorYaml.parse("monitor:\n  topic: " + topic + "\n  group: " + group
                + "\n  evaluate-every: 50ms\n  allowed-lateness: 10m\n  notify-max-age: 3650d\n  notifiers: []\n"
                + engineKeys() + "  rules:\n" + rules);
        monitor = Monitor.builder(broker(), config).clock(new ManualClock(T0)).notifier("captured", notices::add).start();
        awaitReady();
        producer = broker().producer();
    }

    /**
     * Waits until the engine reads the topic, so the events come to it as they are sent, in their order, and not as
     * a backlog whose partitions it might read one after the other.
     */
    void awaitReady() {
    }

    /** Closes the monitor and starts another of the same configuration and group, its clock at {@code T0} again. */
    void restart() {
        monitor.close();
        monitor = Monitor.builder(broker(), config).clock(new ManualClock(T0)).notifier("captured", notices::add).start();
    }

    /** Sends one event of {@code host} at {@code T0 + at}, with the given fields. */
    void send(Duration at, String host, int status, String client, double requestTime) {
        ObjectNode e = JSON.createObjectNode().put("timestamp", T0.plus(at).toString()).put("host", host)
                .put("message", "GET /login " + status);
        e.putObject("fields").put("status", status).put("remote_addr", client).put("request_time", requestTime);
        producer.send(Message.builder(topic).key(host).payload(e.toString()).build()).join();
    }

    /** Waits until {@code n} notices have come; returns them in the order they came. */
    List<Alert> awaitNotices(int n) {
        await().atMost(WAIT).until(() -> notices.size() >= n);
        return List.copyOf(notices);
    }

    Alert firing(String groupValue) {
        await().atMost(WAIT).until(() -> notices.stream().anyMatch(a -> a.status() == Alert.Status.FIRING
                && java.util.Objects.equals(groupValue, a.group())));
        return notices.stream().filter(a -> a.status() == Alert.Status.FIRING
                && java.util.Objects.equals(groupValue, a.group())).findFirst().orElseThrow();
    }

    Alert resolved(Alert fired) {
        await().atMost(WAIT).until(() -> notices.stream().anyMatch(a -> a.status() == Alert.Status.RESOLVED
                && a.id().equals(fired.id())));
        return notices.stream().filter(a -> a.status() == Alert.Status.RESOLVED && a.id().equals(fired.id()))
                .findFirst().orElseThrow();
    }

    private static Duration s(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    @Test
    void thresholdFiresForTheGroupAboveItInEventTimeAndResolvesWhenItsWindowEmpties() {
        start("""
                    - {name: errors, type: threshold, where: {field: status, gte: 500}, window: 1m, above: 4,
                       group-by: host}
                """);
        for (int i = 0; i < 5; i++) {
            send(s(i), "web-1", 500, "10.0.0.1", 0.1);
        }
        for (int i = 0; i < 4; i++) {
            send(s(i), "web-2", 500, "10.0.0.1", 0.1);
        }
        Alert fired = firing("web-1");
        assertEquals(5, fired.count());
        assertEquals(T0.plusSeconds(4), fired.at(), "the notice is at the event time that tripped it");
        send(s(600), "web-1", 500, "10.0.0.1", 0.1);
        send(s(700), "web-1", 500, "10.0.0.1", 0.1);
        Alert resolved = resolved(fired);
        assertTrue(!resolved.at().isBefore(T0.plusSeconds(600)), resolved.toString());
        assertEquals(0, notices.stream().filter(a -> "web-2".equals(a.group())).count(), "web-2 held 4, not above 4");
    }

    @Test
    void ratioFiresForTheGroupWhoseShareOfErrorsIsAboveTheFraction() {
        start("""
                    - {name: share-5xx, type: ratio, where: {field: status, gte: 500}, window: 1m, above: 0.1,
                       min-count: 20, group-by: host}
                """);
        for (int i = 0; i < 20; i++) {
            send(s(i), "web-1", i < 3 ? 502 : 200, "10.0.0.1", 0.1);
            send(s(i), "web-2", i < 1 ? 503 : 200, "10.0.0.1", 0.1);
        }
        send(s(25), "web-1", 200, "10.0.0.1", 0.1);
        send(s(25), "web-2", 200, "10.0.0.1", 0.1);
        Alert fired = firing("web-1");
        // Evaluated every evaluate-every: at 20 events (min-count) or after the 21st, whichever came first.
        assertTrue(Math.abs(fired.value() - 3.0 / 21) < 1e-9 || Math.abs(fired.value() - 3.0 / 20) < 1e-9,
                fired.toString());
        assertEquals(1, notices.size(), "web-2, at 1 in 21, never fired: " + notices);
    }

    @Test
    void aggregateFiresOnTheMaximumOfAField() {
        start("""
                    - {name: slowest, type: aggregate, field: request_time, function: max, window: 1m, above: 1,
                       group-by: host}
                """);
        for (int i = 0; i < 10; i++) {
            send(s(i), "web-1", 200, "10.0.0.1", 0.1);
            send(s(i), "web-2", 200, "10.0.0.1", i == 9 ? 3.5 : 0.1);
        }
        send(s(20), "web-2", 200, "10.0.0.1", 0.1);
        Alert fired = firing("web-2");
        assertEquals(3.5, fired.value(), 1e-9);
        assertEquals(0, notices.stream().filter(a -> "web-1".equals(a.group())).count());
    }

    @Test
    void cardinalityFiresWhenDistinctValuesExceedTheLimit() {
        start("""
                    - {name: many-clients, type: cardinality, field: remote_addr, window: 1m, above: 5, group-by: host}
                """);
        for (int i = 0; i < 8; i++) {
            send(s(i), "web-1", 200, "10.0.0." + i, 0.1);
            send(s(i), "web-2", 200, "10.0.0." + (i % 3), 0.1);
        }
        send(s(20), "web-1", 200, "10.0.0.1", 0.1);
        Alert fired = firing("web-1");
        // Evaluated every evaluate-every, so the count is what had come by then: above 5, at most the 8 sent.
        assertTrue(fired.value() >= 6 && fired.value() <= 8, fired.toString());
        assertEquals(0, notices.stream().filter(a -> "web-2".equals(a.group())).count());
    }

    @Test
    void matchFiresOnTheFirstMatchingEventOfEachGroup() {
        start("""
                    - {name: teapot, type: match, where: {field: status, equals: 418}, group-by: host, resolve-after: 2s}
                """);
        send(s(1), "web-1", 200, "10.0.0.1", 0.1);
        send(s(2), "web-1", 418, "10.0.0.1", 0.1);
        send(s(3), "web-1", 418, "10.0.0.1", 0.1);
        Alert fired = firing("web-1");
        assertEquals(T0.plusSeconds(2), fired.startedAt());
        send(s(300), "web-1", 200, "10.0.0.1", 0.1);
        send(s(400), "web-1", 200, "10.0.0.1", 0.1);
        assertEquals(2, resolved(fired).count(), "the two matching events are counted");
    }

    @Test
    void newTermFiresOnAValueNotSeenBefore() {
        start("""
                    - {name: new-client, type: new-term, field: remote_addr, learn-for: 0s, group-by: host}
                """);
        send(s(1), "web-1", 200, "10.0.0.1", 0.1);
        Alert first = firing("web-1");
        assertEquals(T0.plusSeconds(1), first.startedAt());
        send(s(2), "web-1", 200, "10.0.0.1", 0.1);
        send(s(3), "web-2", 200, "10.0.0.1", 0.1);
        firing("web-2");
        assertEquals(2, notices.size(), "10.0.0.1 is new once per host: " + notices);
    }

    @Test
    void spikeFiresForTheGroupWhoseWindowRisesAboveFactorTimesThePreviousOne() {
        start("""
                    - {name: surge, type: spike, window: 1m, factor: 3, min-count: 10, group-by: host}
                """);
        // Four minutes of 6 a minute before the burst: a group is judged once watched for two windows, and on
        // kafka-streams a group whose first event lags is watched from later (docs/monitor.md, "Time").
        for (int t = 0; t < 240; t += 10) {
            send(s(t), "web-1", 200, "10.0.0.1", 0.1);
            send(s(t), "web-2", 200, "10.0.0.1", 0.1);
        }
        // The burst, 60 events in the first half of the minute: the rule is judged every evaluate-every, and the
        // clock runs on with the wall clock after the last event, so a burst ending at the minute's end could see
        // its window close before a judgement came.
        for (int t = 240; t < 270; t++) {
            send(s(t), "web-1", 200, "10.0.0.1", 0.1);
            send(s(t), "web-1", 200, "10.0.0.1", 0.1);
            if (t % 10 == 0) {
                send(s(t), "web-2", 200, "10.0.0.1", 0.1);
            }
        }
        Alert fired = firing("web-1");
        // The current minute holds more than 3 times the previous one's 6 events, and at most the 60 of the burst
        // and 5 before it.
        assertTrue(fired.count() > 18 && fired.count() <= 65, fired.toString());
        assertTrue(fired.value() > 3, fired.toString());
        assertEquals(3.0, fired.limit(), 1e-9);
        assertEquals(0, notices.stream().filter(a -> "web-2".equals(a.group())).count(), "web-2 stayed at 6 a minute");
    }

    @Test
    void spikeDownFiresForTheGroupWhoseWindowFallsUnderItsBaselineDividedByFactor() {
        start("""
                    - {name: drop, type: spike, window: 1m, factor: 3, direction: down, baseline: 12, group-by: host}
                """);
        for (int t = 0; t < 200; t += 5) {
            if (t < 120 || t % 20 == 0) {
                send(s(t), "web-1", 200, "10.0.0.1", 0.1);
            }
            send(s(t), "web-2", 200, "10.0.0.1", 0.1);
        }
        Alert fired = firing("web-1");
        // 12 a minute, then one event every 20 s: it fires once the window holds fewer than 12 / 3.
        assertTrue(fired.count() < 4, fired.toString());
        assertTrue(fired.value() > 3, fired.toString());
        assertTrue(fired.summary().contains("fewer than the baseline's 12"), fired.summary());
        assertEquals(0, notices.stream().filter(a -> "web-2".equals(a.group())).count(), "web-2 held 12 a minute");
    }

    @Test
    void absenceFiresWhenAGroupFallsSilent() {
        start("""
                    - {name: quiet, type: absence, where: {field: status, lt: 500}, for: 1m, group-by: host}
                """);
        send(s(0), "web-1", 200, "10.0.0.1", 0.1);
        // web-2 goes on for three minutes: on kafka-streams web-1's event may reach its task after some of these
        // (docs/monitor.md, "Time"), and its silence counts from there
        for (int t = 0; t <= 180; t += 30) {
            send(s(t), "web-2", 200, "10.0.0.1", 0.1);
        }
        Alert fired = firing("web-1");
        assertEquals(0, fired.count());
        assertEquals(0, notices.stream().filter(a -> "web-2".equals(a.group())).count());
        send(s(190), "web-1", 200, "10.0.0.1", 0.1);
        assertEquals(T0.plusSeconds(190), resolved(fired).at(), "the next matching event resolves it");
    }

    @Test
    void absenceWithoutGroupByWatchesTheWholeStreamFromTheStart() {
        start("""
                    - {name: no-teapots, type: absence, where: {field: status, equals: 418}, for: 1m}
                """);
        send(s(0), "web-1", 200, "10.0.0.1", 0.1);
        send(s(30), "web-2", 200, "10.0.0.1", 0.1);
        send(s(90), "web-3", 200, "10.0.0.1", 0.1);
        Alert fired = firing(null);
        assertEquals("no-teapots", fired.rule());
        assertTrue(!fired.at().isBefore(T0.plusSeconds(60)), fired.toString());
        assertEquals(1, notices.size(), "one alert for the whole stream: " + notices);
    }

    @Test
    void flatlineFiresBelowItsCount() {
        start("""
                    - {name: low, type: flatline, window: 1m, below: 3, group-by: host}
                """);
        for (int i = 0; i < 10; i++) {
            send(s(i * 10), "web-1", 200, "10.0.0.1", 0.1);
        }
        send(s(150), "web-1", 200, "10.0.0.1", 0.1);
        Alert fired = firing("web-1");
        assertTrue(fired.value() < 3, fired.toString());
    }

    @Test
    void flatlineWatchesAnExpectedValueBeforeItsFirstEvent() {
        start("""
                    - {name: low, type: flatline, window: 1m, below: 3, group-by: host, expected: [web-9]}
                """);
        for (int t = 0; t <= 90; t += 5) {
            send(s(t), "web-1", 200, "10.0.0.1", 0.1);
        }
        Alert fired = firing("web-9");
        assertEquals(0, fired.count(), fired.toString());
        assertEquals(0, notices.stream().filter(a -> "web-1".equals(a.group())).count(), "web-1 held 12 a minute");
        assertEquals(1, notices.size(), "web-9 is watched once: " + notices);
    }
}
