package io.polybus;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The built-in codecs: UTF-8 strings and JSON through Jackson. */
public final class Codecs {
    private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper().findAndRegisterModules();
    private static final Codec<String> UTF8 = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] payload) {
            return new String(payload, StandardCharsets.UTF_8);
        }
    };

    private Codecs() {
    }

    /** UTF-8 text. */
    public static Codec<String> string() {
        return UTF8;
    }

    /** JSON for {@code type}, with a default {@link ObjectMapper} (modules on the class path registered). */
    public static <T> Codec<T> json(Class<T> type) {
        return json(type, DEFAULT_MAPPER);
    }

    /** JSON for {@code type} with the caller's mapper. */
    public static <T> Codec<T> json(Class<T> type, ObjectMapper mapper) {
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                try {
                    return mapper.writeValueAsBytes(value);
                } catch (IOException e) {
                    throw new SerializationException("cannot encode " + type.getSimpleName() + " as JSON: " + e.getMessage(), e);
                }
            }

            @Override
            public T decode(byte[] payload) {
                try {
                    return mapper.readValue(payload, type);
                } catch (IOException e) {
                    throw new SerializationException("cannot decode JSON as " + type.getSimpleName() + ": " + e.getMessage(), e);
                }
            }
        };
    }
}
