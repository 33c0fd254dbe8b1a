package io.polybus.appender.logback;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.StartPosition;
import io.polybus.appender.PublisherStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka client logs at DEBUG through the application's own Logback, into the very appender that drives it: the
 * appender neither deadlocks nor loops (no client event is published, so none makes another send).
 */
class KafkaClientRecursionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theKafkaClientLoggingAtDebugIntoTheSameAppenderNeitherDeadlocksNorLoops() throws Exception {
        String topic = "appender-recursion-" + System.nanoTime();
        LoggerContext global = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = global.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        try (OwnServer kafka = new OwnServer.Kafka()) {
            kafka.start();
            PolybusAppender appender = new PolybusAppender();
            appender.setContext(global);
            appender.setName("POLYBUS-RECURSION");
            appender.setBroker(kafka.config().asMap().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(";")));
            appender.setTopic(topic);
            appender.setSpoolDir(dir.resolve("spool").toString());
            appender.start();
            root.setLevel(Level.DEBUG);
            root.addAppender(appender);
            try {
                Logger log = LoggerFactory.getLogger("com.example.App");
                for (int i = 0; i < 1000; i++) {
                    log.info("event {}", i);
                }
                await().atMost(Duration.ofMinutes(1)).until(() -> appender.stats().delivered() >= 1000);

                List<JsonNode> events = new CopyOnWriteArrayList<>();
                try (Broker reader = Brokers.open(kafka.config());
                     Consumer ignored = reader.subscribe(ConsumerOptions.builder(topic, "check")
                             .startFrom(StartPosition.EARLIEST).ackMode(AckMode.AUTO).build(),
                             d -> events.add(JSON.readTree(d.message().unsafePayload())))) {
                    await().atMost(Duration.ofMinutes(1)).until(() -> events.size() >= 1000);
                }
                PublisherStats stats = appender.stats();
                assertTrue(stats.excluded() > 0, "the client's DEBUG output reached the appender: " + stats);
                assertEquals(1000, stats.published(), "only the application's events were published: " + stats);
                assertEquals(List.of(), events.stream().map(e -> e.at("/fields/logger").asText())
                        .filter(l -> !l.equals("com.example.App")).toList());
            } finally {
                root.detachAppender(appender);
                root.setLevel(level);
                appender.stop();
            }
        }
    }
}
