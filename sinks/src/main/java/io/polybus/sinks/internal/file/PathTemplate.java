package io.polybus.sinks.internal.file;

import io.polybus.events.JsonEvent;
import io.polybus.events.Template;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A file path over the event's time and fields: {@code /data/{host}/{yyyy}/{MM}/{dd}/logs-{HH}.ndjson.zst}.
 * {@code {yyyy}}, {@code {MM}}, {@code {dd}}, {@code {HH}} and {@code {mm}} are the event's {@code timestamp} in UTC
 * (the time it is written when it has none that reads as a time); every other reference is a field, as in every
 * template ({@link Template}). A value that would leave its folder ({@code /}, {@code ..}) is written with
 * {@code _} instead. Immutable.
 */
final class PathTemplate {
    static final Set<String> TIME = Set.of("yyyy", "MM", "dd", "HH", "mm");

    /** A literal, a time part (one of {@link #TIME}) or a field {@link Template}. */
    private final List<Object> parts;
    private final String text;

    private PathTemplate(String text, List<Object> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** @throws IllegalArgumentException when a brace is not closed or a reference is neither a time part nor a field */
    static PathTemplate parse(String text) {
        List<Object> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            if (open < 0) {
                parts.add(text.substring(i));
                break;
            }
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' in '" + text + "'");
            }
            if (open > i) {
                parts.add(text.substring(i, open));
            }
            String name = text.substring(open + 1, close).trim();
            parts.add(TIME.contains(name) ? new TimePart(name) : Template.parse("{" + name + "}"));
            i = close + 1;
        }
        return new PathTemplate(text, List.copyOf(parts));
    }

    private record TimePart(String name) {
    }

    String render(JsonEvent event, Instant now) {
        StringBuilder sb = new StringBuilder(text.length() + 32);
        String time = null;
        for (Object part : parts) {
            if (part instanceof String literal) {
                sb.append(literal);
            } else if (part instanceof TimePart t) {
                if (time == null) {
                    time = utc(event, now);
                }
                switch (t.name()) {
                    case "yyyy" -> sb.append(time, 0, 4);
                    case "MM" -> sb.append(time, 5, 7);
                    case "dd" -> sb.append(time, 8, 10);
                    case "HH" -> sb.append(time, 11, 13);
                    default -> sb.append(time, 14, 16);
                }
            } else {
                sb.append(safe(((Template) part).render(event)));
            }
        }
        return sb.toString();
    }

    /** The event's time in UTC as {@code yyyy-MM-ddTHH:mm}; the agent's {@code ...Z} timestamps are taken as they are. */
    private static String utc(JsonEvent event, Instant now) {
        var node = event.json().get("timestamp");
        String ts = node != null && node.isTextual() ? node.textValue() : null;
        if (ts != null) {
            if (ts.length() >= 17 && ts.endsWith("Z") && ts.charAt(4) == '-' && ts.charAt(10) == 'T' && ts.charAt(13) == ':') {
                return ts.substring(0, 16);
            }
            try {
                return OffsetDateTime.parse(ts).withOffsetSameInstant(ZoneOffset.UTC).toString().substring(0, 16);
            } catch (DateTimeParseException e) {
                // not a time: the time it is written
            }
        }
        return OffsetDateTime.ofInstant(now, ZoneOffset.UTC).toString().substring(0, 16);
    }

    private static String safe(String value) {
        String s = value.replace('/', '_').replace('\\', '_').replace('\0', '_');
        return s.equals("..") || s.equals(".") ? "_" : s;
    }

    @Override
    public String toString() {
        return text;
    }
}
