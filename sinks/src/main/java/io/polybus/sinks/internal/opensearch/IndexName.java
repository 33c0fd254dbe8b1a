package io.polybus.sinks.internal.opensearch;

import io.polybus.events.JsonEvent;
import io.polybus.events.Template;

import java.time.Clock;
import java.util.Locale;

/**
 * The index an event goes to, from a template with time references ({@link Template#withTime}) such as
 * {@code logs-{service}-{yyyy.MM.dd}}. The name is lower-cased and characters an index name cannot hold become
 * {@code _}. Immutable and thread-safe.
 */
final class IndexName {
    /** What an index name cannot hold, besides white space (which becomes {@code _} too). */
    private static final String INVALID = "\\/*?\"<>|,#:";

    private final Template template;
    private final String constant;

    /**
     * @param clock the time of events whose {@code timestamp} is missing or not ISO-8601
     * @throws IllegalArgumentException when the template or a date pattern in it is not valid
     */
    IndexName(String text, Clock clock) {
        this.template = Template.withTime(text, clock);
        this.constant = template.constant() == null ? null : clean(template.constant());
    }

    /** The index pattern of every name this renders ({@code logs-*-*}): each reference becomes {@code *}. */
    static String pattern(String text) {
        return text.replaceAll("\\{[^}]*}", "*").replaceAll("\\*+", "*").toLowerCase(Locale.ROOT);
    }

    String render(JsonEvent event) {
        return constant != null ? constant : clean(template.render(event));
    }

    private static String clean(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 'z' || Character.isUpperCase(c) || INVALID.indexOf(c) >= 0 || Character.isWhitespace(c)) {
                return cleanAll(name);
            }
        }
        return name;
    }

    private static String cleanAll(String name) {
        StringBuilder sb = new StringBuilder(name.toLowerCase(Locale.ROOT));
        for (int i = 0; i < sb.length(); i++) {
            char c = sb.charAt(i);
            if (INVALID.indexOf(c) >= 0 || Character.isWhitespace(c)) {
                sb.setCharAt(i, '_');
            }
        }
        return sb.toString();
    }
}
