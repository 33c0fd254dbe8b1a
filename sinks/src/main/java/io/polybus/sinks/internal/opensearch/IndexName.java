package io.polybus.sinks.internal.opensearch;

import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.events.Template;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The index an event goes to, from a {@link Template} such as {@code logs-{service}-{yyyy.MM.dd}}: a reference
 * made only of the date letters {@code y M d H m s} (and separators) is the event's {@code timestamp} in UTC in that
 * pattern; any other is a field of the event. The name is lower-cased and characters an index name cannot hold
 * become {@code _}. Not thread-safe (it caches the last date it formatted).
 */
final class IndexName {
    private static final Pattern DATE = Pattern.compile("[yMdHms]+([-._:/][yMdHms]+)*");
    private static final Pattern INVALID = Pattern.compile("[\\\\/*?\"<>|\\s,#:]");

    private final Template template;
    private final Map<FieldPath, DateTimeFormatter> dates = new LinkedHashMap<>();
    private final Map<FieldPath, String> formatted = new LinkedHashMap<>();
    private final Clock clock;
    private String formattedFor;

    /**
     * @param clock the time of events whose {@code timestamp} is missing or not ISO-8601
     * @throws IllegalArgumentException when the template or a date pattern in it is not valid
     */
    IndexName(String text, Clock clock) {
        this.template = Template.parse(text);
        this.clock = clock;
        for (FieldPath ref : template.references()) {
            if (DATE.matcher(ref.toString()).matches()) {
                dates.put(ref, DateTimeFormatter.ofPattern(ref.toString(), Locale.ROOT).withZone(ZoneOffset.UTC));
            }
        }
    }

    /** The index pattern of every name this renders ({@code logs-*-*}): each reference becomes {@code *}. */
    static String pattern(String text) {
        return text.replaceAll("\\{[^}]*}", "*").replaceAll("\\*+", "*").toLowerCase(Locale.ROOT);
    }

    String render(JsonEvent event) {
        String constant = template.constant();
        if (constant != null) {
            return clean(constant);
        }
        if (!dates.isEmpty()) {
            formatDates(event);
        }
        return clean(template.render(path -> {
            String date = formatted.get(path);
            return date != null ? date : event.get(path);
        }));
    }

    private void formatDates(JsonEvent event) {
        String timestamp = event.json().path("timestamp").asText("");
        // The cache holds the formatted dates of one second: packs carry many events of the same second.
        if (timestamp.length() >= 19 && formattedFor != null && timestamp.regionMatches(0, formattedFor, 0, 19)) {
            return;
        }
        Instant at;
        try {
            at = Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            at = clock.instant();
            timestamp = null;
        }
        for (Map.Entry<FieldPath, DateTimeFormatter> d : dates.entrySet()) {
            formatted.put(d.getKey(), d.getValue().format(at));
        }
        formattedFor = timestamp;
    }

    private static String clean(String name) {
        return INVALID.matcher(name.toLowerCase(Locale.ROOT)).replaceAll("_");
    }
}
