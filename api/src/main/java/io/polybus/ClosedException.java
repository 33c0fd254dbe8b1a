package io.polybus;

/** The producer, consumer or broker connection was already closed when it was used. */
public class ClosedException extends PolybusException {
    private static final long serialVersionUID = 1L;

    public ClosedException(String message) {
        super(message);
    }
}
