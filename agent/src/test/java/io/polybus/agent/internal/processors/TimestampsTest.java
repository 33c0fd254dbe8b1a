package io.polybus.agent.internal.processors;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimestampsTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    private static long millis(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    @Test
    void aFormatWithoutAnOffsetIsInTheGivenZone() {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS", Locale.ROOT);
        assertEquals(millis("2026-12-01T10:00:00.123Z"), Timestamps.parse("2026-12-01 10:00:00,123", f));
        assertEquals(millis("2026-12-01T09:00:00.123Z"), Timestamps.parse("2026-12-01 10:00:00,123", f, PARIS));
    }

    @Test
    void anOffsetOrAZoneInTheTextWinsOverTheGivenZone() {
        assertEquals(millis("2026-11-21T09:00:00Z"), Timestamps.parse("21/Nov/2026:10:00:00 +0100", Timestamps.COMMON_LOG, PARIS));
        DateTimeFormatter zoned = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss VV", Locale.ROOT);
        assertEquals(millis("2026-07-01T08:00:00Z"), Timestamps.parse("2026-07-01 10:00:00 Europe/Paris", zoned, ZoneOffset.UTC));
    }

    @Test
    void isoTextWithOrWithoutOffset() {
        assertEquals(millis("2026-12-01T09:00:00.500Z"), Timestamps.parse("2026-12-01T10:00:00.5+01:00", null));
        assertEquals(millis("2026-12-01T10:00:00.250Z"), Timestamps.parse("2026-12-01 10:00:00,25", null));
        assertEquals(millis("2026-12-01T09:00:00Z"), Timestamps.parse("2026-12-01T10:00:00", null, PARIS));
        assertEquals(millis("2026-12-01T10:00:00Z"), Timestamps.parse("2026-12-01t10:00:00z", null));
        assertEquals(1_700_000_000_123L, Timestamps.parse("1700000000.123", null));
    }

    @Test
    void textThatDoesNotParseIsMinusOne() {
        DateTimeFormatter dateOnly = DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT);
        assertEquals(-1, Timestamps.parse("2026-12-01", dateOnly), "a date without a time");
        assertEquals(-1, Timestamps.parse("yesterday", Timestamps.COMMON_LOG));
        assertEquals(-1, Timestamps.parse("2026-13-01T10:00:00", null));
    }
}
