package io.polybus;

/** A payload could not be encoded or decoded by a {@link Codec}. */
public class SerializationException extends PolybusException {
    private static final long serialVersionUID = 1L;

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
