package io.polybus.agent;

import java.util.Map;

/**
 * One log event on its way through a source's {@link Processor} chain: the line (or joined lines), where it
 * came from, when it happened, and the fields parsed from it. It becomes one broker message whose payload is
 * the event as JSON (see the project's event format).
 *
 * <p>Mutable and owned by the source's thread: a processor reads and changes it while it holds it, and must
 * not keep a reference after {@link Processor.Chain#proceed} returns.
 */
public interface LogEvent {

    /** Milliseconds since the epoch: parsed from the line by a processor, else the time it was read. */
    long timestampMillis();

    void timestampMillis(long epochMillis);

    /** The line as text; invalid bytes replaced by U+FFFD (and the event tagged {@code _invalid_encoding}). */
    String message();

    void message(String message);

    String host();

    /** {@code file}, {@code stdin}, ... */
    String sourceType();

    /** The configured name of the source. */
    String sourceName();

    /** The file's path, or {@code null} for sources without one. */
    String path();

    /** {@code device:inode:fingerprint} of the file, or {@code null}; with {@link #offset()} it identifies the event. */
    String fileId();

    /** Byte offset of the event's first byte in its file (or stream). */
    long offset();

    /** Parsed fields, in insertion order; values are strings, numbers, booleans, lists or maps. Modifiable. */
    Map<String, Object> fields();

    /** Adds a tag such as {@code _json_parse_failure}; adding one twice keeps one. */
    void tag(String tag);

    boolean hasTag(String tag);
}
