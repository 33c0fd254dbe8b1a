package io.polybus.agent;

import io.polybus.Message;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code delivery.record-timestamp}: old events shipped today are stamped with today unless asked otherwise, so a
 * broker's time-based retention does not delete a backfill as soon as it arrives; the payload keeps the event's time.
 */
class RecordTimestampTest {
    private static final String OLD = "2020-01-02T03:04:05.678Z";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {1, 16})
    void messagesCarryTheSendTimeByDefaultAndTheEventsTimeWhenAsked(int eventsPerMessage) throws IOException {
        Files.writeString(dir.resolve("old.log"), "{\"time\":\"" + OLD + "\",\"msg\":\"backfill\"}\n");
        String source = AgentFixture.fileSource("old", dir + "/*.log",
                "    processors: [{type: json, timestamp-field: time}]\n");

        Instant before = Instant.now();
        Message byDefault = shipOne("default", source, "", eventsPerMessage);
        assertTrue(!byDefault.timestamp().isBefore(before.minusSeconds(1)),
                "stamped when sent, not " + byDefault.timestamp());

        Message byEvent = shipOne("event", source, "  record-timestamp: event\n", eventsPerMessage);
        assertEquals(Instant.parse(OLD), byEvent.timestamp());
    }

    /** Ships the file once with {@code deliveryKeys} added; returns the one message, its payload checked. */
    private Message shipOne(String run, String source, String deliveryKeys, int eventsPerMessage) throws IOException {
        try (AgentFixture fx = new AgentFixture(Files.createDirectories(dir.resolve(run)))) {
            String yaml = AgentFixture.eventsPerMessage(fx.yaml(source), eventsPerMessage)
                    .replace("  batch-events: 64\n", "  batch-events: 64\n" + deliveryKeys);
            fx.start(yaml, true, new ByteArrayInputStream(new byte[0]));
            await().atMost(Duration.ofSeconds(60)).until(() -> fx.events.size() >= 1);
            assertEquals(OLD, fx.snapshot().get(0).get("timestamp").asText(), "the payload keeps the event's time");
            return fx.received.get(0);
        }
    }
}
