package io.polybus.agent.internal.processors;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/** Turns timestamps found in log lines into epoch milliseconds. */
final class Timestamps {
    /** nginx/Apache {@code $time_local}: {@code 21/Nov/2026:10:00:00 +0000}. */
    static final DateTimeFormatter COMMON_LOG = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

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
                TemporalAccessor t = format.parseBest(text, OffsetDateTime::from, LocalDateTime::from);
                return t instanceof OffsetDateTime o ? o.toInstant().toEpochMilli()
                        : ((LocalDateTime) t).atZone(zone).toInstant().toEpochMilli();
            }
            if (text.length() > 10 && text.charAt(4) == '-') {
                try {
                    return OffsetDateTime.parse(text.replace(' ', 'T')).toInstant().toEpochMilli();
                } catch (DateTimeParseException e) {
                    return LocalDateTime.parse(text.replace(' ', 'T').replace(',', '.')).atZone(zone).toInstant().toEpochMilli();
                }
            }
            if (!text.isEmpty() && text.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
                return parse(Double.parseDouble(text), null, zone);
            }
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | NumberFormatException e) {
            return -1;
        }
    }
}
