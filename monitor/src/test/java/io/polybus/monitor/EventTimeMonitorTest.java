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
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A monitor in event time on the memory broker, its arrival clock moved by hand. */
class EventTimeMonitorTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Instant NOW = Instant.parse("2026-11-21T13:00:00Z");

    private final String topic = "logs-" + UUID.randomUUID();
    private final ManualClock clock = new ManualClock(NOW);
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<Alert> notices = new CopyOnWriteArrayList<>();
    private final Broker broker = Brokers.open(Config.of("type", "memory", "name", "event-time-" + UUID.randomUUID()));
    private final Producer producer = broker.producer();
    private Monitor monitor;

    @AfterEach
    void close() {
        if (monitor != null) {
            monitor.close();
        }
        broker.close();
    }

    private double events(String outcome) {
        FunctionCounter c = registry.find("polybus.monitor.events").tag("outcome", outcome).functionCounter();
        return c == null ? 0 : c.count();
    }

    private void send(Instant stamp, long offset) {
        ObjectNode e = NginxEvents.access("web-1", 502, "/api", "f", offset);
        e.put("timestamp", stamp.toString());
        producer.send(Message.builder(topic).key("web-1").payload(e.toString()).build()).join(); // one partition: in order
    }

    @Test
    void aBacklogOfHoursAgoFillsItsOwnWindowsSendsNothingAndLateEventsAreCounted() {
        MonitorConfig config = MonitorYaml.parse("""
                monitor:
                  topic: %s
                  evaluate-every: 20ms
                  allowed-lateness: 10s
                  rules:
                    - {name: burst, type: threshold, where: {field: fields.status, gte: 500}, window: 1m, above: 2}
                """.formatted(topic));
        monitor = Monitor.builder(broker, config).clock(clock).notifier("captured", new Notifier() {
            @Override
            public void send(Alert alert) {
                notices.add(alert);
            }
        }).start();
        monitor.bindTo(registry);

        Instant threeHoursAgo = NOW.minus(Duration.ofHours(3));
        for (int i = 0; i < 5; i++) {
            send(threeHoursAgo.plusSeconds(i), i);
        }
        send(threeHoursAgo.minusSeconds(60), 5);
        await().atMost(WAIT).until(() -> events("evaluated") == 5 && events("late") == 1);
        FunctionCounter held = registry.find("polybus.monitor.notices.held").functionCounter();
        await().atMost(WAIT).until(() -> held.count() == 1);

        for (int i = 0; i < 3; i++) {
            send(NOW.plusSeconds(i), 10 + i);
        }
        await().atMost(WAIT).until(() -> !notices.isEmpty());
        Alert fired = notices.get(0);
        assertEquals(Alert.Status.FIRING, fired.status());
        assertEquals(threeHoursAgo.plusSeconds(2), fired.startedAt(), "still firing since the backlog: " + notices);
        assertTrue(!fired.at().isBefore(NOW) && !fired.at().isAfter(NOW.plusSeconds(2)),
                "sent once the clock caught up, at its time: " + notices);
        assertEquals(1, notices.size(), notices.toString());
    }
}
