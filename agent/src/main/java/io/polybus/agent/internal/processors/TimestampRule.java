package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.FieldPath;
import io.polybus.events.LogEvent;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * {@code timestamp-field} and {@code timestamp-format}: the parsers that can set the event's time from a field
 * they produced. A value that does not parse leaves the time as it was and tags the event.
 */
record TimestampRule(FieldPath field, DateTimeFormatter format) {
    static final String FAILURE = "_timestamp_parse_failure";

    static final ConfigDef KEYS = ConfigDef.builder("processor", "timestamp")
            .define("timestamp-field", Type.STRING, null, "A field holding the event's time (ISO-8601, epoch seconds or milliseconds, or `timestamp-format`).")
            .define("timestamp-format", Type.STRING, null, "A java.time pattern for `timestamp-field`, e.g. `yyyy-MM-dd HH:mm:ss,SSS` (no zone: UTC).")
            .build();

    /** The rule of a processor's keys, or null when it has no {@code timestamp-field}. */
    static TimestampRule of(ProviderConfig c) {
        DateTimeFormatter format = c.findString("timestamp-format").map(pattern -> {
            try {
                return DateTimeFormatter.ofPattern(pattern, Locale.ROOT);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(c.pathOf("timestamp-format"), pattern,
                        "expected a java.time DateTimeFormatter pattern: " + e.getMessage());
            }
        }).orElse(null);
        return c.findString("timestamp-field").map(f -> new TimestampRule(FieldPath.of(c, "timestamp-field"), format)).orElse(null);
    }

    void apply(LogEvent event) {
        Object v = event.get(field);
        if (v == null) {
            return;
        }
        long millis = Timestamps.parse(v, format);
        if (millis >= 0) {
            event.timestampMillis(millis);
        } else {
            event.tag(FAILURE);
        }
    }
}
