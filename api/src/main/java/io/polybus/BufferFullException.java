package io.polybus;

/**
 * A producer's in-flight bound was reached and its options say to fail fast (or the wait for room
 * timed out). Retry after some sends have completed.
 */
public class BufferFullException extends RetriableException {
    private static final long serialVersionUID = 1L;

    public BufferFullException(String message) {
        super(message);
    }
}
