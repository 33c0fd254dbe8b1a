package io.polybus.agent.internal.processors;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/** Turns timestamps found in log lines into epoch milliseconds. */
final class Timestamps {
    /** nginx/Apache {@code $time_local}: {@code 21/Nov/2026:10:00:00 +0000}. */
    static final DateTimeFormatter COMMON_LOG = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

    /** ISO-8601 date and time with an offset or none: {@code 2026-11-21T10:00:00.123+01:00}, {@code 2026-11-21T10:00:00}. */
    private static final DateTimeFormatter ISO_OPTIONAL_OFFSET = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME).optionalStart().appendOffsetId().toFormatter(Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT).withChronology(IsoChronology.INSTANCE);

    private Timestamps() {
    }

    /**
     * Parses {@code text} with {@code format}, or as ISO-8601 (with or without offset, UTC assumed) or epoch
     * seconds/milliseconds when {@code format} is null.
     *
     * @return epoch millis, or {@code -1} when the text does not parse
     */
    static long parse(Object value, DateTimeFormatter format) {
        return parse(value, format, ZoneOffset.UTC);
    }

    /**
     * Like {@link #parse(Object, DateTimeFormatter)}, a time without an offset being in {@code zone}.
     *
     * @return epoch millis, or {@code -1} when the text does not parse
     */
    static long parse(Object value, DateTimeFormatter format, ZoneId zone) {
        if (value instanceof Number n) {
            double d = n.doubleValue();
            return (long) (d > 1e11 ? d : d * 1000);
        }
        String text = String.valueOf(value).trim();
        try {
            if (format != null) {
                // One parse, no exception on the common path: a format without an offset or zone leaves the
                // instant unresolved, and the time is then in `zone`.
                TemporalAccessor t = format.parse(text);
                return t.isSupported(ChronoField.INSTANT_SECONDS) ? Instant.from(t).toEpochMilli()
                        : LocalDateTime.from(t).atZone(zone).toInstant().toEpochMilli();
            }
            if (text.length() > 10 && text.charAt(4) == '-') {
                return parse(text.replace(' ', 'T').replace(',', '.'), ISO_OPTIONAL_OFFSET, zone);
            }
            if (!text.isEmpty() && text.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
                return parse(Double.parseDouble(text), null, zone);
            }
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeException | NumberFormatException e) {
            return -1;
        }
    }
}
