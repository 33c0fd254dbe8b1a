package io.polybus.agent.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes events as the shared JSON event format with one reusable streaming generator. Not thread-safe:
 * one per source thread.
 */
final class EventWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactoryBuilder().rootValueSeparator("").build();

    private final Buffer out = new Buffer();
    private final JsonGenerator gen;
    private long cachedMillis = Long.MIN_VALUE;
    private String cachedTimestamp;

    EventWriter() {
        try {
            gen = FACTORY.createGenerator(out);
            gen.setCodec(MAPPER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The event as JSON bytes; {@code maxMessageChars} above zero shortens the message to that many chars. */
    byte[] write(Event e, int maxMessageChars) {
        out.reset();
        try {
            gen.writeStartObject();
            gen.writeStringField("timestamp", timestamp(e.timestampMillis()));
            gen.writeStringField("host", e.host());
            gen.writeFieldName("message");
            if (maxMessageChars > 0) {
                String m = e.message();
                gen.writeString(m.length() > maxMessageChars ? m.substring(0, maxMessageChars) : m);
            } else if (e.hasRawAscii()) {
                gen.writeUTF8String(e.raw(), e.rawOffset(), e.rawLength());
            } else {
                gen.writeString(e.message());
            }
            gen.writeObjectFieldStart("source");
            gen.writeStringField("type", e.sourceType());
            gen.writeStringField("name", e.sourceName());
            if (e.path() != null) {
                gen.writeStringField("path", e.path());
            }
            if (e.fileId() != null) {
                gen.writeStringField("file_id", e.fileId());
            }
            gen.writeNumberField("offset", e.offset());
            gen.writeEndObject();
            Map<String, Object> fields = e.fields();
            if (!fields.isEmpty()) {
                gen.writeFieldName("fields");
                gen.writeObject(fields);
            }
            if (!e.tags().isEmpty()) {
                gen.writeArrayFieldStart("tags");
                for (String t : e.tags()) {
                    gen.writeString(t);
                }
                gen.writeEndArray();
            }
            gen.writeEndObject();
            gen.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private String timestamp(long millis) {
        if (millis != cachedMillis) {
            cachedMillis = millis;
            cachedTimestamp = Instant.ofEpochMilli(millis).toString();
        }
        return cachedTimestamp;
    }

    /** A byte buffer whose array is reused across events. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(1024);
        }

        @Override
        public synchronized byte[] toByteArray() {
            return Arrays.copyOf(buf, count);
        }
    }
}
