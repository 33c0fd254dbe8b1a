package io.polybus;

/**
 * Turns values into payload bytes and back. Implementations are stateless and thread-safe, and throw
 * {@link SerializationException} on input they cannot handle. See {@link Codecs} for the built-in ones.
 */
public interface Codec<T> {
    byte[] encode(T value);

    T decode(byte[] payload);
}
