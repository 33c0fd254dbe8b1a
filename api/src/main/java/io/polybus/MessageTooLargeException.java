package io.polybus;

/** A message is larger than the broker accepts; the message names the size and the limit. */
public class MessageTooLargeException extends PolybusException {
    private static final long serialVersionUID = 1L;
    private final long size;
    private final long limit;

    public MessageTooLargeException(String topic, long size, long limit) {
        super("message of " + size + " bytes for topic '" + topic + "' exceeds the broker's limit of "
                + limit + " bytes");
        this.size = size;
        this.limit = limit;
    }

    public MessageTooLargeException(String message, long size, long limit, Throwable cause) {
        super(message, cause);
        this.size = size;
        this.limit = limit;
    }

    public long size() {
        return size;
    }

    public long limit() {
        return limit;
    }
}
