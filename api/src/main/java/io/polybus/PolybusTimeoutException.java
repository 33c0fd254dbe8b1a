package io.polybus;

/** An operation did not complete within its configured time bound. */
public class PolybusTimeoutException extends RetriableException {
    private static final long serialVersionUID = 1L;

    public PolybusTimeoutException(String message) {
        super(message);
    }

    public PolybusTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
