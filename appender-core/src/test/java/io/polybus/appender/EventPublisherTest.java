package io.polybus.appender;

import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue, the overflow policies and the spool, on the memory broker and on a broker that is away. */
class EventPublisherTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private AppenderSettings settings(String... keysAndValues) {
        List<String> kv = new ArrayList<>(List.of("spool-dir", dir.resolve("spool").toString(), "host", "test",
                "retry-backoff", "20ms", "retry-backoff-max", "200ms"));
        kv.addAll(List.of(keysAndValues));
        return AppenderSettings.from(Config.of(kv.toArray(String[]::new)));
    }

    /** A broker nobody answers for: Redis on a port that nothing listens on. */
    private static Config awayBroker() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return Config.of("type", "redis", "port", Integer.toString(s.getLocalPort()), "connect-timeout", "200ms");
        }
    }

    private EventPublisher publisher(Config broker, AppenderSettings settings) {
        EventPublisher p = new EventPublisher("test", broker, settings);
        open.add(p);
        return p;
    }

    private List<String> subscribe(String brokerName, String topic) {
        Broker reader = Brokers.open(Config.of("type", "memory", "name", brokerName));
        open.add(reader);
        List<String> received = new CopyOnWriteArrayList<>();
        Consumer c = reader.subscribe(ConsumerOptions.builder(topic, "check").ackMode(AckMode.AUTO).build(),
                d -> received.add(d.message().payloadAsString()));
        open.add(c);
        return received;
    }

    private static byte[] event(int i) {
        return ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> events(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "{\"n\":" + i + "}").toList();
    }

    private static void assertInOrder(List<String> expected, List<String> received) {
        for (int i = 0; i < Math.min(expected.size(), received.size()); i++) {
            assertEquals(expected.get(i), received.get(i), "event " + i);
        }
        assertEquals(expected.size(), received.size());
    }

    @Test
    void deliversEveryEventInTheOrderLoggedEvenWhenTheQueueOverflowsToTheSpool() {
        String name = "pub-" + System.nanoTime();
        List<String> received = subscribe(name, "logs");
        EventPublisher p = publisher(Config.of("type", "memory", "name", name), settings("queue-capacity", "64"));
        p.start();
        for (int i = 0; i < 20_000; i++) {
            p.publish(event(i));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 20_000);
        assertInOrder(events(0, 20_000), received);
        assertEquals(20_000, p.stats().delivered());
    }

    @Test
    void startReturnsAtOnceAndWhatTheBrokerCannotTakeWaitsInTheSpoolForTheNextStartInOrder() throws Exception {
        EventPublisher away = publisher(awayBroker(), settings("queue-capacity", "100", "shutdown-timeout", "200ms"));
        away.start();
        for (int i = 0; i < 1000; i++) {
            away.publish(event(i));
        }
        assertEquals(900, away.stats().spilled());
        away.close();
        assertTrue(away.stats().spoolBytes() > 0);

        String name = "pub-" + System.nanoTime();
        List<String> received = subscribe(name, "logs");
        EventPublisher back = publisher(Config.of("type", "memory", "name", name), settings());
        back.start();
        for (int i = 1000; i < 1010; i++) {
            back.publish(event(i));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 1010);
        assertInOrder(events(0, 1010), received);
    }

    @ParameterizedTest
    @EnumSource(value = OverflowPolicy.class, names = {"BLOCK", "DROP_OLDEST", "DROP_NEWEST"})
    void aFullQueueDropsAsThePolicySaysAndCountsEveryDrop(OverflowPolicy policy) throws Exception {
        EventPublisher p = publisher(awayBroker(), settings("queue-capacity", "10", "block-timeout", "1ms",
                "overflow", policy.name().toLowerCase().replace('_', '-'), "shutdown-timeout", "0s"));
        p.start();
        for (int i = 0; i < 100; i++) {
            p.publish(event(i));
        }
        PublisherStats s = p.stats();
        assertEquals(90, s.dropped());
        assertEquals(90, switch (policy) {
            case BLOCK -> s.droppedBlocked();
            case DROP_OLDEST -> s.droppedOldest();
            default -> s.droppedNewest();
        });
        assertEquals(0, s.spilled());
    }

    @Test
    void aSecondPublisherOnTheSameSpoolIsRefusedWithTheDirectory() {
        publisher(Config.of("type", "memory"), settings());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new EventPublisher("other", Config.of("type", "memory"), settings()));
        assertTrue(e.getMessage().contains(dir.resolve("spool").toString()), e.getMessage());
    }

    @Test
    void badSettingsNameTheirKey() {
        io.polybus.ConfigException e = assertThrows(io.polybus.ConfigException.class,
                () -> settings("overflow", "sometimes", "queue-capacity", "0"));
        assertTrue(e.getMessage().contains("overflow") && e.getMessage().contains("queue-capacity"), e.getMessage());
    }
}
