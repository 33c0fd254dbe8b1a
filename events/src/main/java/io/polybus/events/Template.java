package io.polybus.events;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A topic, key, index or path template such as {@code logs-{fields.service}} or {@code {host}}: text with
 * {@code {path}} references, each a {@link FieldPath} ({@code {service}} is {@code {fields.service}}, {@code {source.name}}
 * the source's name). A reference to a missing or empty value renders as {@value #MISSING}.
 *
 * <p>A template made by {@link #withTime} also has time references: one made only of the letters {@code y M d H m s}
 * and separators ({@code {yyyy.MM.dd}}, {@code {HH}}) is the event's {@code timestamp} in UTC in that
 * {@link DateTimeFormatter} pattern, or the time it is rendered when the event has no timestamp that reads as an
 * ISO-8601 time. Immutable and thread-safe.
 */
public final class Template {
    /** What a reference to a missing value renders as. */
    public static final String MISSING = "unknown";
    private static final Pattern TIME = Pattern.compile("[yMdHms]+([-._:/][yMdHms]+)*");
    private static final FieldPath TIMESTAMP = FieldPath.of("timestamp");

    private final String text;
    private final String constant;
    private final List<Object> parts;
    private final Clock clock;
    /** The time references, formatted for the last second rendered (events of one second come together). */
    private volatile Stamp last;

    /** A time reference: its pattern, and its place among the formatted values of a {@link Stamp}. */
    private record TimeRef(DateTimeFormatter format, int index) {
    }

    /** The formatted time references for the timestamps of one second: {@code key} is their first 19 characters. */
    private record Stamp(String key, String[] formatted) {
    }

    private Template(String text, String constant, List<Object> parts, Clock clock) {
        this.text = text;
        this.constant = constant;
        this.parts = parts;
        this.clock = clock;
    }

    /**
     * A template of field references.
     *
     * @throws IllegalArgumentException when a brace is not closed or a reference is not a field path
     */
    public static Template parse(String text) {
        return parse(text, null);
    }

    /**
     * A template of field and time references.
     *
     * @param clock the time of events without a timestamp that reads as a time
     * @throws IllegalArgumentException when a brace is not closed, a reference is not a field path, or a time pattern
     *                                  is not valid
     */
    public static Template withTime(String text, Clock clock) {
        return parse(text, clock);
    }

    private static Template parse(String text, Clock clock) {
        if (text.indexOf('{') < 0) {
            return new Template(text, text, List.of(), clock);
        }
        List<Object> parts = new ArrayList<>();
        int times = 0;
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            if (open < 0) {
                parts.add(text.substring(i));
                break;
            }
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' in template '" + text + "'");
            }
            String name = text.substring(open + 1, close).trim();
            if (open > i) {
                parts.add(text.substring(i, open));
            }
            if (clock != null && TIME.matcher(name).matches()) {
                parts.add(new TimeRef(DateTimeFormatter.ofPattern(name, Locale.ROOT).withZone(ZoneOffset.UTC), times++));
            } else if (FieldPath.isValid(name)) {
                parts.add(FieldPath.of(name));
            } else {
                throw new IllegalArgumentException("'{" + name + "}' in template '" + text + "' is not " + FieldPath.ACCEPTED
                        + (clock != null ? " or a time such as {yyyy.MM.dd}" : ""));
            }
            i = close + 1;
        }
        return new Template(text, null, List.copyOf(parts), clock);
    }

    /** The text, when it references nothing; otherwise {@code null}. */
    public String constant() {
        return constant;
    }

    /** The fields the template reads (time references read {@code timestamp}, and are not listed). */
    public List<FieldPath> references() {
        return parts.stream().filter(FieldPath.class::isInstance).map(FieldPath.class::cast).toList();
    }

    /** The template with the values of {@code event}. */
    public String render(FieldSource event) {
        if (constant != null) {
            return constant;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        String[] times = null;
        for (Object part : parts) {
            if (part instanceof FieldPath path) {
                Object v = event.get(path);
                String s = v == null ? "" : String.valueOf(v);
                sb.append(s.isEmpty() ? MISSING : s);
            } else if (part instanceof TimeRef t) {
                if (times == null) {
                    times = times(event);
                }
                sb.append(times[t.index()]);
            } else {
                sb.append((String) part);
            }
        }
        return sb.toString();
    }

    /** The time references formatted for the event's timestamp (from the last one's when of the same second). */
    private String[] times(FieldSource event) {
        Object value = event.get(TIMESTAMP);
        String timestamp = value instanceof String s ? s : null;
        Stamp stamp = last;
        if (stamp != null && timestamp != null && timestamp.endsWith("Z") && timestamp.length() >= 19
                && timestamp.regionMatches(0, stamp.key(), 0, 19)) {
            return stamp.formatted();
        }
        Instant at = null;
        if (timestamp != null) {
            try {
                at = Instant.parse(timestamp);
            } catch (DateTimeParseException e) {
                // not a time: the time it is rendered
            }
        }
        boolean cacheable = at != null && timestamp.length() >= 20 && timestamp.charAt(4) == '-' && timestamp.charAt(10) == 'T'
                && timestamp.endsWith("Z");
        if (at == null) {
            at = clock.instant();
        }
        List<TimeRef> refs = parts.stream().filter(TimeRef.class::isInstance).map(TimeRef.class::cast).toList();
        String[] formatted = new String[refs.size()];
        for (TimeRef t : refs) {
            formatted[t.index()] = t.format().format(at);
        }
        if (cacheable) {
            last = new Stamp(timestamp.substring(0, 19), formatted);
        }
        return formatted;
    }

    @Override
    public String toString() {
        return text;
    }
}
