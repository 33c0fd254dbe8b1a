package io.polybus.agent.internal;

import io.polybus.agent.LogEvent;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's {@link LogEvent}: one instance per source thread, reset for every record. The line stays as
 * the reader's bytes until someone asks for it as text, so plain ASCII lines go to JSON without a String.
 */
public final class Event implements LogEvent {
    public static final String TAG_INVALID_ENCODING = "_invalid_encoding";
    public static final String TAG_TRUNCATED = "_truncated";
    public static final String TAG_SPLIT = "_split";

    private final String host;
    private final String sourceType;
    private final String sourceName;
    private final Charset charset;
    /** A network source: what its reader passes as the path is the sender's address. */
    private final boolean fromPeer;
    private final boolean utf8;
    private final CharsetDecoder strict;
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final List<String> tags = new ArrayList<>(4);

    private long timestampMillis;
    private String message;
    private byte[] raw;
    private int rawOffset;
    private int rawLength;
    private boolean rawIsAscii;
    private String path;
    private String fileId;
    private long offset;

    public Event(String host, String sourceType, String sourceName, Charset charset) {
        this.host = host;
        this.sourceType = sourceType;
        this.sourceName = sourceName;
        this.charset = charset;
        this.fromPeer = sourceType.equals("syslog");
        this.utf8 = charset.equals(StandardCharsets.UTF_8);
        this.strict = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /**
     * Starts a new record; {@code bytes} must stay unchanged until the chain has returned. {@code path} is the
     * sender's address for a network source.
     */
    public void reset(byte[] bytes, int off, int len, long timestampMillis, String path, String fileId, long offset) {
        this.raw = bytes;
        this.rawOffset = off;
        this.rawLength = len;
        this.message = null;
        this.timestampMillis = timestampMillis;
        this.path = path;
        this.fileId = fileId;
        this.offset = offset;
        if (!fields.isEmpty()) {
            fields.clear();
        }
        if (!tags.isEmpty()) {
            tags.clear();
        }
        this.rawIsAscii = utf8 && isAscii(bytes, off, len);
        if (!rawIsAscii) {
            message = decode(bytes, off, len);
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

    /** True while the message is still the raw ASCII bytes (no one asked for or replaced the text). */
    boolean hasRawAscii() {
        return message == null && rawIsAscii;
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
        return fromPeer ? null : path;
    }

    /** The sender's {@code host:port} for a network source (which has no path or offset), else null. */
    String peer() {
        return fromPeer ? path : null;
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

    List<String> tags() {
        return tags;
    }
}
