package io.polybus.events;

/**
 * Something whose values can be read by {@link FieldPath}: an event being processed ({@link LogEvent}) or an
 * event read back from a message ({@link JsonEvent}). Conditions and templates read through it, so they mean
 * the same on both sides of the broker.
 */
@FunctionalInterface
public interface FieldSource {

    /**
     * The value at {@code path}: a {@link String}, a {@link Number}, a {@link Boolean}, a {@link java.util.List}
     * or a {@link java.util.Map} (of those), or {@code null} when absent. {@code timestamp} is the ISO-8601
     * text the event is written with.
     */
    Object get(FieldPath path);
}
