package io.polybus.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.events.ComponentContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code alertmanager} notifier against a real Prometheus Alertmanager (one per class, from
 * {@code scripts/brokers}): alerts fired by the monitor on the memory broker arrive with their labels and
 * annotations, stay firing while posted again, and end when the rule resolves.
 */
class AlertmanagerNotifierTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static LocalAlertmanager alertmanager;

    private final String topic = "logs-" + UUID.randomUUID();
    private final String rule = "errors-" + UUID.randomUUID();
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private Broker broker;
    private Producer producer;

    @BeforeAll
    static void startAlertmanager() throws Exception {
        alertmanager = LocalAlertmanager.start();
    }

    @AfterAll
    static void stopAlertmanager() throws Exception {
        alertmanager.close();
    }

    @BeforeEach
    void openBroker() {
        broker = Brokers.open(Config.of("type", "memory", "name", "alertmanager-test-" + UUID.randomUUID()), registry);
        producer = broker.producer();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeLast) {
            c.close();
        }
        broker.close();
    }

    /** A monitor with one match rule on ERROR events, grouped by host, sending to {@code notifiers}. */
    private void start(String resolveAfter, String... notifiers) {
        MonitorConfig config = MonitorYaml.parse("""
                monitor:
                  time: arrival
                  topic: %s
                  evaluate-every: 20ms
                  rules:
                    - name: %s
                      type: match
                      severity: critical
                      where: {field: fields.level, equals: ERROR}
                      group-by: host
                      resolve-after: %s
                  notifiers:
                    - %s
                """.formatted(topic, rule, resolveAfter, String.join("\n    - ", notifiers)));
        Monitor monitor = Monitor.builder(broker, config).start();
        closeLast.add(0, monitor);
        monitor.bindTo(registry);
    }

    private void sendError(String host, long offset) {
        producer.send(Message.builder(topic).key(host)
                .payload(NginxEvents.app(host, "ERROR", "payment failed", "f1", offset).toString()).build()).join();
    }

    private double counter(String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(tags).functionCounter();
        return c == null ? 0 : c.count();
    }

    @Test
    void firingAlertArrivesWithItsLabelsAndAnnotationsAndEndsWhenTheRuleResolves() throws Exception {
        // resend-every 10m: the alert is valid for 40m, so only the resolved notice can end it within the test
        start("1s", "{type: alertmanager, url: \"" + alertmanager.url() + "\", resend-every: 10m, labels: {team: web}}");
        Instant before = Instant.now();
        sendError("web-1", 0);

        await().atMost(WAIT).until(() -> alertmanager.alerts(rule).size() == 1);
        JsonNode alert = alertmanager.alerts(rule).get(0);
        assertEquals(rule, alert.path("labels").path("alertname").asText());
        assertEquals("critical", alert.path("labels").path("severity").asText());
        assertEquals("web-1", alert.path("labels").path("host").asText());
        assertEquals("web", alert.path("labels").path("team").asText());
        assertEquals(4, alert.path("labels").size(), alert.toString());
        assertTrue(alert.path("annotations").path("summary").asText().startsWith(rule + " [host=web-1]"), alert.toString());
        assertEquals("match", alert.path("annotations").path("rule_type").asText());
        assertEquals("active", alert.path("status").path("state").asText());
        Instant startsAt = Instant.parse(alert.path("startsAt").asText());
        assertTrue(!startsAt.isBefore(before.minusSeconds(1)), "startsAt " + startsAt + " is when the rule fired");
        assertTrue(Instant.parse(alert.path("endsAt").asText()).isAfter(Instant.now().plus(Duration.ofMinutes(30))),
                "a firing alert is valid for 4 × resend-every: " + alert);

        // no more errors: the rule resolves after 1s and the notifier posts endsAt = now, which ends it in Alertmanager
        await().atMost(WAIT).until(() -> alertmanager.alerts(rule).isEmpty());
        assertEquals(2, counter("polybus.monitor.notifications", "notifier", "alertmanager", "outcome", "sent"));
    }

    @Test
    void firingAlertIsPostedAgainSoAlertmanagerKeepsItFiring() throws Exception {
        start("1h", "{type: alertmanager, url: \"" + alertmanager.url() + "\", resend-every: 1s}");
        sendError("web-2", 0);
        await().atMost(WAIT).until(() -> alertmanager.alerts(rule).size() == 1);
        Instant firstEnd = Instant.parse(alertmanager.alerts(rule).get(0).path("endsAt").asText());

        // each resend moves endsAt (4 × resend-every ahead): without them Alertmanager would end it at firstEnd
        await().atMost(WAIT).until(() -> {
            JsonNode alerts = alertmanager.alerts(rule);
            return alerts.size() == 1 && Instant.parse(alerts.get(0).path("endsAt").asText()).isAfter(firstEnd.plusSeconds(4));
        });
        assertTrue(counter("polybus.monitor.notification.resends", "notifier", "alertmanager", "outcome", "sent") >= 4);
        assertEquals(0, counter("polybus.monitor.notification.resends", "notifier", "alertmanager", "outcome", "failed"));
    }

    @Test
    void refusedPostFailsAtOnceAndUnreachableOneIsRetriedWithoutHoldingUpEvaluation() throws Exception {
        start("1h", "{type: alertmanager, name: refusing, url: \"" + alertmanager.url() + "/no-such-prefix\", backoff: 10ms}",
                "{type: alertmanager, name: unreachable, url: \"http://127.0.0.1:" + closedPort() + "\", retries: 2, backoff: 10ms}");
        for (int i = 0; i < 20; i++) {
            sendError("web-" + i, i);
        }

        // the monitor evaluated every event while its notifiers failed
        await().atMost(WAIT).until(() -> counter("polybus.monitor.events", "outcome", "evaluated") == 20);
        await().atMost(WAIT).until(() -> counter("polybus.monitor.notifications", "notifier", "refusing", "outcome", "failed") == 20
                && counter("polybus.monitor.notifications", "notifier", "unreachable", "outcome", "failed") == 20);
        assertEquals(0, counter("polybus.monitor.notification.retries", "notifier", "refusing"), "a 404 is not retried");
        assertEquals(40, counter("polybus.monitor.notification.retries", "notifier", "unreachable"), "2 retries per alert");
    }

    @Test
    void refusalNamesTheServerAndTheStatusButNeverThePathOrTheToken() throws Exception {
        NotifierProvider provider = MonitorYaml.NOTIFIERS.get("alertmanager");
        Notifier notifier = provider.create(provider.configDef().parse(Map.of("url", alertmanager.url() + "/secret-prefix",
                "bearer-token", "s3cr3t-token"), "notifier"), new ComponentContext("am", null, broker, Clock.systemUTC(), null));
        try (notifier) {
            Instant now = Instant.now();
            Alert alert = new Alert(rule + "//1", rule, "match", Alert.Status.FIRING, "warning", null, null, 1, null,
                    Duration.ofMinutes(5), now, now, rule + ": matching event", List.of());
            IOException e = assertThrows(IOException.class, () -> notifier.send(alert));
            assertEquals("Alertmanager " + alertmanager.url() + " refused alert " + alert.id()
                    + ": HTTP 404 (404 page not found)", e.getMessage());
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
