package io.polybus.events;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link LogEvent} every producer of events uses (the agent's sources, the application appenders): one
 * instance per thread, {@link #reset} for every record. The line stays as the reader's bytes until someone asks
 * for it as text, and a plain ASCII line that no processor replaced goes to JSON ({@link EventWriter}) from those
 * bytes.
 *
 * <p>Not thread-safe: one owner thread.
 */
public final class MutableEvent implements LogEvent {
    public static final String TAG_INVALID_ENCODING = "_invalid_encoding";
    public static final String TAG_TRUNCATED = "_truncated";
    public static final String TAG_SPLIT = "_split";

    private final String host;
    private final String sourceType;
    private final String sourceName;
    private final Charset charset;
    private final boolean utf8;
    private final CharsetDecoder strict;
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final List<String> tags = new ArrayList<>(4);
    private final List<String> tagsView = Collections.unmodifiableList(tags);

    private long timestampMillis;
    private String message;
    private byte[] raw;
    private int rawOffset;
    private int rawLength;
    private boolean rawIsAscii;
    private String path;
    private String fileId;
    private String peer;
    private long offset;
    private String topic;

    /** Events of one source: its host, type and name, and the charset its bytes are in. */
    public MutableEvent(String host, String sourceType, String sourceName, Charset charset) {
        this.host = host;
        this.sourceType = sourceType;
        this.sourceName = sourceName;
        this.charset = charset;
        this.utf8 = charset.equals(StandardCharsets.UTF_8);
        this.strict = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /**
     * Starts a new record read from bytes; {@code bytes} must stay unchanged until the chain has returned.
     *
     * @param origin where it came from (path and file id, or the sender)
     * @param offset the offset of its first byte in its input, or -1
     */
    public void reset(byte[] bytes, int off, int len, long timestampMillis, Origin origin, long offset) {
        this.raw = bytes;
        this.rawOffset = off;
        this.rawLength = len;
        this.message = null;
        clear(timestampMillis, origin, offset);
        this.rawIsAscii = utf8 && isAscii(bytes, off, len);
        if (!rawIsAscii) {
            message = decode(bytes, off, len);
        }
    }

    /** Starts a new record whose message is already text (an application's log call, a host sample). */
    public void reset(String message, long timestampMillis, Origin origin, long offset) {
        this.raw = null;
        this.rawIsAscii = false;
        this.message = message == null ? "" : message;
        clear(timestampMillis, origin, offset);
    }

    private void clear(long timestampMillis, Origin origin, long offset) {
        this.timestampMillis = timestampMillis;
        this.path = origin.path();
        this.fileId = origin.fileId();
        this.peer = origin.peer();
        this.offset = offset;
        this.topic = null;
        if (!fields.isEmpty()) {
            fields.clear();
        }
        if (!tags.isEmpty()) {
            tags.clear();
        }
    }

    private static boolean isAscii(byte[] b, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private String decode(byte[] bytes, int off, int len) {
        try {
            CharBuffer chars = strict.reset().decode(ByteBuffer.wrap(bytes, off, len));
            return chars.toString();
        } catch (CharacterCodingException e) {
            tag(TAG_INVALID_ENCODING);
            return new String(bytes, off, len, charset);
        }
    }

    /** True while the message is still the raw ASCII bytes (read as text perhaps, but not replaced). */
    boolean hasRawAscii() {
        return rawIsAscii;
    }

    byte[] raw() {
        return raw;
    }

    int rawOffset() {
        return rawOffset;
    }

    int rawLength() {
        return rawLength;
    }

    @Override
    public long timestampMillis() {
        return timestampMillis;
    }

    @Override
    public void timestampMillis(long epochMillis) {
        this.timestampMillis = epochMillis;
    }

    @Override
    public String message() {
        if (message == null) {
            message = new String(raw, rawOffset, rawLength, StandardCharsets.ISO_8859_1);
        }
        return message;
    }

    @Override
    public void message(String message) {
        this.message = message == null ? "" : message;
        this.rawIsAscii = false;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String sourceType() {
        return sourceType;
    }

    @Override
    public String sourceName() {
        return sourceName;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String fileId() {
        return fileId;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public Map<String, Object> fields() {
        return fields;
    }

    @Override
    public void tag(String tag) {
        if (!tags.contains(tag)) {
            tags.add(tag);
        }
    }

    @Override
    public boolean hasTag(String tag) {
        return tags.contains(tag);
    }

    @Override
    public List<String> tags() {
        return tagsView;
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public void topic(String topic) {
        this.topic = topic;
    }
}
