package io.polybus;

/**
 * A failure that may go away by itself: the broker is unreachable, a timeout passed, a buffer was
 * full. Retrying the same operation later is the right reaction.
 */
public class RetriableException extends PolybusException {
    private static final long serialVersionUID = 1L;

    public RetriableException(String message) {
        super(message);
    }

    public RetriableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetriable() {
        return true;
    }
}
