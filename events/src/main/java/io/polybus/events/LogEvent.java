package io.polybus.events;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One log event on its way through a source's {@link Processor} chain: the line (or joined lines), where it
 * came from, when it happened, the fields parsed from it and its tags. It becomes a broker message whose payload
 * is the event as JSON ({@link EventWriter}):
 *
 * <pre>{@code
 * {"timestamp": "2026-11-21T10:00:00Z", "host": "web-1", "message": "...",
 *  "source": {"type": "file", "name": "nginx", "path": "/var/log/nginx/access.log", "file_id": "2049:1234:9f86d081", "offset": 4096},
 *  "fields": {"status": 502, ...}, "tags": ["_json_parse_failure"]}
 * }</pre>
 *
 * A network source names the sender ({@code "peer": "10.0.0.7:51514"}) instead of a path and offset.
 *
 * <p>Mutable and owned by one thread: a processor reads and changes it while it holds it, and must not keep a
 * reference after {@link Processor.Chain#proceed} returns.
 */
public interface LogEvent extends FieldSource {

    /** Milliseconds since the epoch: parsed from the line by a processor, else the time it was read. */
    long timestampMillis();

    void timestampMillis(long epochMillis);

    /** The line as text; invalid bytes replaced by U+FFFD (and the event tagged {@code _invalid_encoding}). */
    String message();

    void message(String message);

    String host();

    /** {@code file}, {@code stdin}, {@code syslog}, {@code host-metrics}, ... */
    String sourceType();

    /** The configured name of the source. */
    String sourceName();

    /** The file's path, or {@code null} for sources without one. */
    String path();

    /** {@code device:inode:fingerprint} of the file, or {@code null}; with {@link #offset()} it identifies the event. */
    String fileId();

    /** Byte offset of the event's first byte in its file (or stream), or -1 when the source has none. */
    long offset();

    /** The sender's {@code host:port} for a network source, else {@code null}. */
    String peer();

    /**
     * Parsed fields, in insertion order; values are strings, numbers, booleans, lists or maps. Modifiable, but a
     * nested map may be {@link SharedFields} that other events hold too: change what is under one with
     * {@link #set} and {@link #remove}, which copy it for this event first.
     */
    Map<String, Object> fields();

    /** Adds a tag such as {@code _json_parse_failure}; adding one twice keeps one. */
    void tag(String tag);

    boolean hasTag(String tag);

    /** The tags, in the order added. */
    List<String> tags();

    /**
     * The topic a processor chose for this event (the {@code route} processor), or {@code null}: it then goes to
     * its source's {@code topic}. Not part of the event's JSON.
     */
    String topic();

    /** Sends the event to {@code topic} instead of its source's topic; {@code null} restores the source's. */
    void topic(String topic);

    @Override
    default Object get(FieldPath path) {
        switch (path.segment(0)) {
            case "message":
                return path.length() == 1 ? message() : null;
            case "host":
                return path.length() == 1 ? host() : null;
            case "timestamp":
                return path.length() == 1 ? Instant.ofEpochMilli(timestampMillis()).toString() : null;
            case "tags":
                return path.length() == 1 ? tags() : null;
            case "source":
                return path.length() == 1 ? source() : path.length() == 2 ? source().get(path.segment(1)) : null;
            default:
                return Paths.get(fields(), path);
        }
    }

    /** The {@code source} object of the event format. */
    private Map<String, Object> source() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", sourceType());
        s.put("name", sourceName());
        if (path() != null) {
            s.put("path", path());
        }
        if (fileId() != null) {
            s.put("file_id", fileId());
        }
        if (peer() != null) {
            s.put("peer", peer());
        } else if (offset() >= 0) {
            s.put("offset", offset());
        }
        return s;
    }

    /**
     * Sets the value at {@code path}: {@code message} (its text), or a field (nested maps are made as needed;
     * {@code fields.a.b} puts {@code b} into the map at {@code a}).
     *
     * @throws IllegalArgumentException for a path that cannot be written (host, source, tags, timestamp: use the
     *                                  setters), or a field nested under a value that is not a map
     */
    default void set(FieldPath path, Object value) {
        if (path.segment(0).equals("message") && path.length() == 1) {
            message(value == null ? "" : String.valueOf(value));
        } else if (path.segment(0).equals("fields") && path.length() > 1) {
            Paths.put(fields(), path, value);
        } else {
            throw new IllegalArgumentException("'" + path + "' cannot be set: only message and fields.* can");
        }
    }

    /** Removes the field at {@code path} and returns its value, or null when there was none (or it is not a field). */
    default Object remove(FieldPath path) {
        return path.segment(0).equals("fields") && path.length() > 1 ? Paths.remove(fields(), path) : null;
    }
}
