package io.polybus;

/**
 * Root of every exception Polybus throws or completes a future with. Unchecked: callers catch the
 * branch they can act on ({@link RetriableException} to retry, the others to fix input or code).
 * Broker client exceptions are translated at the module boundary with the original kept as cause.
 */
public class PolybusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PolybusException(String message) {
        super(message);
    }

    public PolybusException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the same operation may succeed if tried again later. */
    public boolean isRetriable() {
        return false;
    }
}
