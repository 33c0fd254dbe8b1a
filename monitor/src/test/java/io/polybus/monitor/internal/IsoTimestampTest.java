package io.polybus.monitor.internal;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Timestamps read digit by digit mean what OffsetDateTime.parse makes of them, zones and odd forms included. */
class IsoTimestampTest {

    @Test
    void readsTheSameInstantAsOffsetDateTimeParse() {
        for (String text : List.of("2026-12-07T12:00:00.123Z", "2026-12-07T12:00:00Z", "2026-12-07T12:00:00.1Z",
                "2026-12-07T12:00:00.123456789Z", "2026-12-07T01:00:00+01:00", "2026-12-06T23:30:00.5-05:30",
                "2024-02-29T23:59:59.999Z", "1969-12-31T23:59:59.999Z", "2000-03-01T00:00:00+14:00",
                "2026-12-07T12:00Z", "2026-12-07t12:00:00z", "2026-12-07T12:00:00.Z", "2026-12-07T12:00:00+01:00:30")) {
            assertEquals(OffsetDateTime.parse(text).toInstant().toEpochMilli(), IsoTimestamp.epochMillis(text), text);
        }
    }

    @Test
    void whatIsNoTimestampIsInvalid() {
        for (String text : List.of("yesterday", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-07T24:00:00Z",
                "2026-12-07T12:00:00", "2026-12-07T12:00:00.1234567891Z", "2026-12-07 12:00:00Z", "")) {
            assertEquals(IsoTimestamp.INVALID, IsoTimestamp.epochMillis(text), text);
        }
    }
}
