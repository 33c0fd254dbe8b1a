package io.polybus.appender.logback;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Capability;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.StartPosition;
import io.polybus.appender.PublisherStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.MDC;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application logs 100,000 events through Logback while its broker (a server of the test's own) is stopped and
 * started again: every event arrives, counted by an independent consumer, and no log call waits for the broker.
 * One subclass per broker.
 */
abstract class BrokerOutageTest {
    static final int EVENTS = 100_000;
    /**
     * The caller's bound under the default overflow policy: a log call encodes, offers to the queue, or appends to the
     * spool file, and never waits for the broker, whose outage here lasts seconds. A call that waited for the
     * broker (as a Kafka producer's send does for max.block.ms, 60 s by default) would exceed it.
     */
    static final Duration CALLER_BOUND = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    OwnServer server;
    private final LoggerContext context = new LoggerContext();

    abstract OwnServer newServer() throws Exception;

    @BeforeEach
    void startServer() throws Exception {
        server = newServer();
        server.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        context.stop();
        server.close();
    }

    private String brokerText() {
        return server.config().asMap().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("; "));
    }

    @Test
    void everyEventArrivesAcrossABrokerRestartAndNoLogCallWaitsForTheBroker() throws Exception {
        String topic = "appender-outage-" + System.nanoTime();
        ConsumerOptions check = ConsumerOptions.builder(topic, "check").ackMode(AckMode.AUTO).build();
        try (Broker reader = Brokers.open(server.config())) {
            if (reader.capabilities().contains(Capability.REPLAY)) {
                check = check.toBuilder().startFrom(StartPosition.EARLIEST).build();
            }
            reader.subscribe(check, d -> { }).close();
        }

        context.setMDCAdapter(MDC.getMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        String xml = "<configuration><appender name='POLYBUS' class='io.polybus.appender.logback.PolybusAppender'>"
                + "<broker>" + brokerText() + "</broker><topic>" + topic + "</topic><service>outage</service>"
                + "<spoolDir>" + dir.resolve("spool") + "</spoolDir><queueCapacity>1000</queueCapacity>"
                + "<retryBackoff>50ms</retryBackoff><retryBackoffMax>1s</retryBackoffMax><sendTimeout>5s</sendTimeout>"
                + "<shutdownTimeout>60s</shutdownTimeout>"
                + "</appender><root level='INFO'><appender-ref ref='POLYBUS'/></root></configuration>";
        configurator.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        PolybusAppender appender = (PolybusAppender) context.getLogger("ROOT").getAppender("POLYBUS");

        AtomicInteger logged = new AtomicInteger();
        Thread outage = new Thread(() -> {
            try {
                await().atMost(Duration.ofMinutes(2)).until(() -> logged.get() >= EVENTS / 10);
                server.stop();
                await().atMost(Duration.ofMinutes(2)).until(() -> logged.get() >= EVENTS * 6 / 10);
                server.start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "outage");
        outage.start();

        Logger log = context.getLogger("com.example.Shop");
        long worst = 0;
        for (int i = 0; i < EVENTS; i++) {
            long start = System.nanoTime();
            log.info("event {}", i);
            worst = Math.max(worst, System.nanoTime() - start);
            logged.incrementAndGet();
            if (i % 20 == 0) {
                // An application's pace, so that the outage falls in the middle of the logging.
                Thread.sleep(1);
            }
        }
        outage.join(Duration.ofMinutes(3).toMillis());

        Set<Integer> received = ConcurrentHashMap.newKeySet();
        try (Broker reader = Brokers.open(server.config());
             Consumer ignored = reader.subscribe(check, d -> received.add(
                     Integer.parseInt(JSON.readTree(d.message().unsafePayload()).get("message").asText().substring(6))))) {
            await().atMost(Duration.ofMinutes(3)).until(() -> received.size() >= EVENTS);
        }
        PublisherStats stats = appender.stats();
        assertEquals(EVENTS, received.size(), "distinct events the consumer counted");
        assertEquals(0, stats.dropped(), stats.toString());
        assertTrue(stats.spilled() > 0, "the outage filled the queue: " + stats);
        assertTrue(worst < CALLER_BOUND.toNanos(), "worst log call took " + worst / 1_000_000 + " ms: " + stats);
    }
}
