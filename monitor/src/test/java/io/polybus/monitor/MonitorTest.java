package io.polybus.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.events.EventPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitor end to end on the memory broker: events in, notices out, with a clock moved by hand. */
class MonitorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final String topic = "logs-" + UUID.randomUUID();
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private Broker broker;
    private Producer producer;

    @BeforeEach
    void openBroker() {
        broker = Brokers.open(Config.of("type", "memory", "name", "monitor-test-" + UUID.randomUUID()), registry);
        producer = broker.producer();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeLast) {
            c.close();
        }
        broker.close();
    }

    private Monitor start(String monitorSection, Notifier... extra) {
        MonitorConfig config = MonitorYaml.parse("monitor:\n  time: arrival\n  topic: " + topic + "\n  evaluate-every: 20ms\n" + monitorSection);
        Monitor.Builder builder = Monitor.builder(broker, config).clock(clock)
                .console(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        for (int i = 0; i < extra.length; i++) {
            builder.notifier("captured-" + i, extra[i]);
        }
        Monitor monitor = builder.start();
        closeLast.add(0, monitor);
        monitor.bindTo(registry);
        return monitor;
    }

    private void send(ObjectNode event) {
        producer.send(Message.builder(topic).key(event.path("host").asText()).payload(event.toString()).build()).join();
    }

    /** A counter's value, 0 before it exists. */
    private double counter(String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(tags).functionCounter();
        return c == null ? 0 : c.count();
    }

    private double gauge(String name, String... tags) {
        Gauge g = registry.find(name).tags(tags).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private void awaitEvents(String outcome, double count) {
        await().atMost(WAIT).until(() -> counter("polybus.monitor.events", "outcome", outcome) == count);
    }

    private static List<String> statuses(List<JsonNode> notices) {
        return notices.stream().map(n -> n.path("rule").asText() + ":" + n.path("status").asText()).toList();
    }

    @Test
    void burstOf5xxFiresOneAlertThenOneResolvedNoticeAndDuplicatesDoNotRefire() throws Exception {
        try (WebhookReceiver hook = new WebhookReceiver(0)) {
            Path alerts = dir.resolve("alerts/alerts.jsonl");
            start("""
                      dedup-window: 1h
                      rules:
                        - name: nginx-5xx
                          type: threshold
                          where: [{field: fields.status, gte: 500}]
                          window: 1m
                          above: 50
                          group-by: host
                      notifiers:
                        - {type: webhook, url: "%s", backoff: 10ms}
                        - {type: file, path: "%s"}
                        - {type: stdout}
                    """.formatted(hook.url(), alerts));
            List<ObjectNode> burst = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                burst.add(NginxEvents.access("web-1", 502, "/api", "2049:131074:aa", i * 200L));
            }
            for (int i = 0; i < 100; i++) {
                send(NginxEvents.access("web-1", 200, "/", "2049:131074:aa", 100_000 + i * 200L));
                send(NginxEvents.access("web-2", i < 40 ? 503 : 200, "/", "2049:7:bb", i * 200L));
            }
            burst.forEach(this::send);
            await().atMost(WAIT).until(() -> hook.accepted().size() == 1);
            JsonNode fired = hook.accepted().get(0);
            assertEquals("nginx-5xx", fired.path("rule").asText());
            assertEquals("firing", fired.path("status").asText());
            assertEquals("web-1", fired.path("group").asText());
            assertEquals(51, fired.path("count").asInt());
            assertEquals(50, fired.path("threshold").asInt());
            assertEquals("1m", fired.path("window").asText());
            assertEquals(3, fired.path("samples").size());
            assertEquals(502, fired.path("samples").get(0).path("fields").path("status").asInt());

            burst.forEach(this::send);
            awaitEvents("duplicate", 60);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
                clock.advance(Duration.ofSeconds(10));
                return hook.accepted().size() == 2;
            });
            JsonNode resolved = hook.accepted().get(1);
            assertEquals("resolved", resolved.path("status").asText());
            assertEquals(fired.path("id").asText(), resolved.path("id").asText());
            assertEquals(60, resolved.path("count").asInt(), "the peak");

            burst.forEach(this::send);
            awaitEvents("duplicate", 120);
            clock.advance(Duration.ofSeconds(10));
            awaitEvents("evaluated", 260);
            await().atMost(WAIT).until(() -> Files.exists(alerts) && Files.readAllLines(alerts).size() == 2);
            assertEquals(List.of("nginx-5xx:firing", "nginx-5xx:resolved"), statuses(hook.accepted()));
            List<JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(alerts)) {
                lines.add(JSON.readTree(line));
            }
            assertEquals(List.of("nginx-5xx:firing", "nginx-5xx:resolved"), statuses(lines));
            String printed = stdout.toString(StandardCharsets.UTF_8);
            assertEquals(2, printed.lines().count(), printed);
            assertTrue(printed.contains("FIRING [warning] nginx-5xx [host=web-1]: 51 events in 1m (more than 50)"), printed);
        }
    }

    @Test
    void metersAgreeWithTheEventsSent() {
        List<Alert> captured = new CopyOnWriteArrayList<>();
        Monitor monitor = start("""
                  concurrency: 2
                  rules:
                    - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                    - {name: all, type: threshold, window: 1m, above: 1000000}
                  notifiers: []
                """, captured::add);
        for (int i = 0; i < 25; i++) {
            send(NginxEvents.app("app-" + i % 3, i % 5 == 0 ? "ERROR" : "INFO", "line " + i, "1:2:cc", i * 10L));
        }
        send(NginxEvents.app("app-1", "INFO", "line 3 again", "1:2:cc", 30L));
        producer.send(Message.builder(topic).payload("not json").build()).join();
        awaitEvents("invalid", 1);
        awaitEvents("evaluated", 25);

        assertEquals(1, counter("polybus.monitor.events", "outcome", "duplicate"));
        assertEquals(25, counter("polybus.monitor.rule.evaluations", "rule", "errors"));
        assertEquals(5, counter("polybus.monitor.rule.matches", "rule", "errors"));
        assertEquals(25, counter("polybus.monitor.rule.matches", "rule", "all"));
        assertEquals(1, counter("polybus.monitor.alerts", "rule", "errors", "status", "firing"));
        assertEquals(0, counter("polybus.monitor.alerts", "rule", "errors", "status", "resolved"));
        assertEquals(1, gauge("polybus.monitor.alerts.active", "rule", "errors"));
        assertEquals(0, gauge("polybus.monitor.alerts.active", "rule", "all"));
        assertEquals(25, gauge("polybus.monitor.dedup.entries"));
        assertTrue(counter("polybus.monitor.bytes") > 25 * 100, "payload bytes: " + counter("polybus.monitor.bytes"));
        await().atMost(WAIT).until(() -> counter("polybus.monitor.notifications", "notifier", "captured-0", "outcome", "sent") == 1);
        assertEquals(1, captured.size());
        assertEquals(1, gauge("polybus.broker.reachable", "pipeline", "monitor"));
        assertTrue(monitor.health().check().healthy(), monitor.health().check().detail());
    }

    @Test
    void matchAndAbsenceRulesFireAndResolve() {
        List<Alert> captured = new CopyOnWriteArrayList<>();
        start("""
                  rules:
                    - name: oom
                      type: match
                      where: [{field: message, contains: OutOfMemoryError}]
                      resolve-after: 2m
                    - name: host-silent
                      type: absence
                      group-by: host
                      for: 5m
                  notifiers: []
                """, captured::add);
        send(NginxEvents.app("app-1", "INFO", "started", "1:1:a", 0));
        send(NginxEvents.app("app-2", "INFO", "started", "1:2:b", 0));
        send(NginxEvents.app("app-1", "ERROR", "java.lang.OutOfMemoryError: Java heap space\n\tat Foo.bar(Foo.java:1)", "1:1:a", 100));
        await().atMost(WAIT).until(() -> captured.size() == 1);
        assertEquals("oom", captured.get(0).rule());
        assertTrue(captured.get(0).summary().contains("java.lang.OutOfMemoryError: Java heap space"), captured.get(0).summary());

        clock.advance(Duration.ofMinutes(3));
        send(NginxEvents.app("app-1", "INFO", "still here", "1:1:a", 200));
        await().atMost(WAIT).until(() -> captured.size() == 2);
        assertEquals("oom RESOLVED null", describe(captured.get(1)));

        clock.advance(Duration.ofMinutes(3));
        await().atMost(WAIT).until(() -> captured.size() == 3);
        assertEquals("host-silent FIRING app-2", describe(captured.get(2)));
        send(NginxEvents.app("app-2", "INFO", "back", "1:2:b", 100));
        send(NginxEvents.app("app-1", "INFO", "here", "1:1:a", 300));
        await().atMost(WAIT).until(() -> captured.size() == 4);
        assertEquals("host-silent RESOLVED app-2", describe(captured.get(3)));
        awaitEvents("evaluated", 6);
        assertEquals(4, captured.size(), captured.toString());
    }

    @Test
    void aPackIsEvaluatedEventByEventAndABrokenLineIsCountedWithoutLosingTheOthers() {
        List<Alert> captured = new CopyOnWriteArrayList<>();
        start("""
                  rules:
                    - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                  notifiers: []
                """, captured::add);
        String error = NginxEvents.app("app-1", "ERROR", "boom", "1:1:a", 0).toString();
        String pack = String.join("\n", error, "not json", error, NginxEvents.app("app-1", "INFO", "fine", "1:1:a", 100).toString());
        producer.send(Message.builder(topic).header(EventPack.CONTENT_TYPE_HEADER, EventPack.CONTENT_TYPE)
                .header(EventPack.COUNT_HEADER, "4").payload(pack).build()).join();
        awaitEvents("evaluated", 2);
        awaitEvents("duplicate", 1);
        awaitEvents("invalid", 1);
        await().atMost(WAIT).until(() -> captured.size() == 1);
        assertEquals("errors", captured.get(0).rule());

        send(NginxEvents.app("app-1", "INFO", "after the pack", "1:1:a", 200));
        awaitEvents("evaluated", 3);
    }

    private static String describe(Alert a) {
        return a.rule() + " " + a.status() + " " + a.group();
    }

    @Test
    void webhookRetriesWithBackoffUntilTheReceiverAccepts() throws Exception {
        try (WebhookReceiver hook = new WebhookReceiver(2)) {
            start("""
                      rules:
                        - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                      notifiers:
                        - {type: webhook, name: ops, url: "%s", retries: 3, backoff: 10ms, timeout: 5s}
                    """.formatted(hook.url()));
            send(NginxEvents.app("app-1", "ERROR", "boom", "1:1:a", 0));
            await().atMost(WAIT).until(() -> hook.accepted().size() == 1);
            assertEquals(3, hook.requests());
            await().atMost(WAIT).until(() -> counter("polybus.monitor.notifications", "notifier", "ops", "outcome", "sent") == 1);
            assertEquals(2, counter("polybus.monitor.notification.retries", "notifier", "ops"));
        }
    }

    @Test
    void webhookGivesUpAfterItsRetriesAndCountsTheFailure() throws Exception {
        try (WebhookReceiver hook = new WebhookReceiver(100)) {
            start("""
                      rules:
                        - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                      notifiers:
                        - {type: webhook, name: ops, url: "%s", retries: 2, backoff: 10ms}
                    """.formatted(hook.url()));
            send(NginxEvents.app("app-1", "ERROR", "boom", "1:1:a", 0));
            await().atMost(WAIT).until(() -> counter("polybus.monitor.notifications", "notifier", "ops", "outcome", "failed") == 1);
            assertEquals(3, hook.requests());
        }
    }

    @Test
    void webhookThatNeverAnswersTimesOutAndIsRetried() throws Exception {
        try (WebhookReceiver hook = new WebhookReceiver(0, true)) {
            start("""
                      rules:
                        - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                      notifiers:
                        - {type: webhook, name: ops, url: "%s", retries: 1, backoff: 10ms, timeout: 200ms}
                    """.formatted(hook.url()));
            send(NginxEvents.app("app-1", "ERROR", "boom", "1:1:a", 0));
            await().atMost(WAIT).until(() -> counter("polybus.monitor.notifications", "notifier", "ops", "outcome", "failed") == 1);
            assertEquals(2, hook.requests());
            assertEquals(1, counter("polybus.monitor.notification.retries", "notifier", "ops"));
        }
    }

    @Test
    void topicNotifierPublishesAlertsThroughTheBroker() throws Exception {
        String alertsTopic = "alerts-" + UUID.randomUUID();
        List<Delivery> received = new CopyOnWriteArrayList<>();
        broker.subscribe(ConsumerOptions.of(alertsTopic, "reader"), d -> {
            received.add(d);
            d.ack();
        });
        start("""
                  rules:
                    - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                  notifiers:
                    - {type: topic, topic: %s}
                """.formatted(alertsTopic));
        send(NginxEvents.app("app-1", "ERROR", "boom", "1:1:a", 0));
        await().atMost(WAIT).until(() -> received.size() == 1);
        Message m = received.get(0).message();
        assertEquals("errors", m.keyAsString());
        assertEquals("firing", m.header("alert-status"));
        JsonNode alert = JSON.readTree(m.payload());
        assertEquals("errors", alert.path("rule").asText());
        assertEquals("boom", alert.path("samples").get(0).path("message").asText());
    }
}
