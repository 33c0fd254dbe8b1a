package io.polybus.monitor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.Producer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each windowed rule type and new-term end to end: nginx events through the memory broker into a monitor, notices
 * out, with a clock moved by hand.
 */
class RuleTypesMonitorTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String topic = "logs-" + UUID.randomUUID();
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<Alert> notices = new CopyOnWriteArrayList<>();
    private final AtomicLong offsets = new AtomicLong();
    private Broker broker;
    private Producer producer;
    private Monitor monitor;
    private int sent;

    @BeforeEach
    void openBroker() {
        broker = Brokers.open(Config.of("type", "memory", "name", "rule-types-" + UUID.randomUUID()), registry);
        producer = broker.producer();
    }

    @AfterEach
    void close() {
        if (monitor != null) {
            monitor.close();
        }
        broker.close();
    }

    private void start(String rules) {
        MonitorConfig config = MonitorYaml.parse("monitor:\n  time: arrival\n  topic: " + topic + "\n  evaluate-every: 20ms\n"
                + "  notifiers: []\n  rules:\n" + rules);
        monitor = Monitor.builder(broker, config).clock(clock).notifier("captured", notices::add).start();
        monitor.bindTo(registry);
    }

    /** Sends nginx access events and waits until the monitor has evaluated them (at the clock's time now). */
    private void send(int count, String host, int status, String client, double requestTime) {
        for (int i = 0; i < count; i++) {
            ObjectNode e = NginxEvents.access(host, status, "/login", "2049:7:aa", offsets.incrementAndGet());
            ((ObjectNode) e.get("fields")).put("remote_addr", client + (client.endsWith(".") ? i : ""))
                    .put("request_time", requestTime).put("http_user_agent", "agent-" + status);
            producer.send(Message.builder(topic).key(host).payload(e.toString()).build()).join();
        }
        sent += count;
        await().atMost(WAIT).until(() -> counter("polybus.monitor.events", "outcome", "evaluated") == sent);
    }

    private double counter(String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(tags).functionCounter();
        return c == null ? 0 : c.count();
    }

    /** Waits for the n-th notice, moving the clock on by {@code step} at each look. */
    private Alert awaitNotice(int n, Duration step) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (notices.size() >= n) {
                return true;
            }
            clock.advance(step);
            return false;
        });
        return notices.get(n - 1);
    }

    private static void assertResolves(Alert fired, Alert resolved) {
        assertEquals(Alert.Status.RESOLVED, resolved.status(), resolved.toString());
        assertEquals(fired.id(), resolved.id());
        assertEquals(fired.window(), resolved.window());
    }

    @Test
    void ratioOf5xxFiresForTheHostAboveItsShare() {
        start("""
                    - {name: share-5xx, type: ratio, where: {field: status, gte: 500}, window: 1m, above: 0.1,
                       min-count: 20, group-by: host}
                """);
        send(17, "web-1", 200, "10.0.0.1", 0.1);
        send(3, "web-1", 502, "10.0.0.1", 0.1);
        send(19, "web-2", 200, "10.0.0.1", 0.1);
        send(1, "web-2", 503, "10.0.0.1", 0.1);
        Alert fired = awaitNotice(1, Duration.ZERO);
        assertEquals("web-1", fired.group());
        assertEquals(0.15, fired.value(), 1e-9);
        assertEquals("share-5xx [host=web-1]: 15% of 20 events in 1m match (more than 10%)", fired.summary());
        assertTrue(fired.toJson().toString().contains("\"value\":0.15,\"limit\":0.1"), fired.toJson().toString());
        assertResolves(fired, awaitNotice(2, Duration.ofSeconds(5)));
        assertEquals(2, notices.size(), "web-2, at 5%, never fired");
    }

    @Test
    void spikeFiresWhenTheWindowHasMoreThanFactorTimesThePrevious() {
        start("""
                    - {name: login-spike, type: spike, window: 1m, factor: 3, min-count: 10}
                """);
        clock.advance(Duration.ofSeconds(30));
        send(10, "web-1", 401, "10.0.0.1", 0.1);
        clock.advance(Duration.ofSeconds(70));
        send(40, "web-1", 401, "10.0.0.1", 0.1);
        clock.advance(Duration.ofSeconds(19));
        Alert fired = awaitNotice(1, Duration.ofSeconds(1));
        assertEquals("login-spike: 40 events in 1m, 4x the previous window's 10 (factor 3)", fired.summary());
        assertTrue(!fired.startedAt().isBefore(Instant.parse("2026-11-21T10:02:00Z")),
                "not before two windows were watched: " + fired.startedAt());
        assertResolves(fired, awaitNotice(2, Duration.ofSeconds(5)));
    }

    @Test
    void aggregateFiresOnTheP99OfRequestTime() {
        start("""
                    - {name: slow-p99, type: aggregate, field: request_time, function: p99, window: 1m, above: 1}
                """);
        send(100, "web-1", 200, "10.0.0.1", 0.1);
        send(2, "web-1", 200, "10.0.0.1", 3.2);
        Alert fired = awaitNotice(1, Duration.ZERO);
        assertEquals(3.2, fired.value(), 0.032);
        assertEquals(102, fired.count());
        assertTrue(fired.summary().startsWith("slow-p99: p99 of request_time is 3.2"), fired.summary());
        assertResolves(fired, awaitNotice(2, Duration.ofSeconds(5)));
    }

    @Test
    void cardinalityFiresOnTooManyDistinctClients() {
        start("""
                    - {name: many-clients, type: cardinality, field: remote_addr, window: 1m, above: 5, max-values: 6}
                """);
        send(5, "web-1", 401, "10.0.0.", 0.1);
        send(5, "web-1", 401, "10.0.0.", 0.1);
        assertEquals(List.of(), notices);
        send(3, "web-1", 401, "10.1.0.", 0.1);
        Alert fired = awaitNotice(1, Duration.ZERO);
        assertTrue(fired.summary().startsWith("many-clients: 6 or more distinct remote_addr in 1m (more than 5)"),
                fired.summary());
        assertEquals(2, counter("polybus.monitor.rule.evictions", "rule", "many-clients"), "8 clients, 6 remembered");
        assertResolves(fired, awaitNotice(2, Duration.ofSeconds(5)));
    }

    @Test
    void newTermFiresOnAUserAgentNotSeenBefore() {
        start("""
                    - {name: new-agent, type: new-term, field: http_user_agent, learn-for: 1m, resolve-after: 2m}
                """);
        send(3, "web-1", 200, "10.0.0.1", 0.1);
        clock.advance(Duration.ofMinutes(2));
        send(3, "web-1", 200, "10.0.0.1", 0.1);
        send(2, "web-1", 418, "10.0.0.1", 0.1);
        Alert fired = awaitNotice(1, Duration.ZERO);
        assertEquals("new-agent: new http_user_agent 'agent-418' (not seen in 7d)", fired.summary());
        Alert resolved = awaitNotice(2, Duration.ofSeconds(10));
        assertResolves(fired, resolved);
        assertEquals(1, resolved.count(), "one new value while firing");
    }

    @Test
    void flatlineFiresWhenTheRateFallsAndResolvesWhenItIsBack() {
        start("""
                    - {name: traffic-low, type: flatline, window: 1m, below: 5, group-by: host, expected: [web-1, web-2],
                       resolve-after: 20s}
                """);
        send(10, "web-1", 200, "10.0.0.1", 0.1);
        clock.advance(Duration.ofSeconds(59));
        send(10, "web-1", 200, "10.0.0.1", 0.1);
        Alert fired = awaitNotice(1, Duration.ofSeconds(1));
        assertEquals("traffic-low [host=web-2]: only 0 events in 1m (fewer than 5)", fired.summary(),
                "web-2 is expected and silent; web-1 had 10 in its first window");
        send(5, "web-2", 200, "10.0.0.1", 0.1);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (notices.stream().anyMatch(n -> n.status() == Alert.Status.RESOLVED)) {
                return true;
            }
            clock.advance(Duration.ofSeconds(5));
            return false;
        });
        Alert resolved = notices.stream().filter(n -> n.status() == Alert.Status.RESOLVED).findFirst().orElseThrow();
        assertResolves(fired, resolved);
        assertEquals("traffic-low [host=web-2]: back to 5 events in 1m (lowest 0, limit 5)", resolved.summary());
    }
}
