package io.polybus;

/** The broker could not be reached, or the connection to it was lost. The message names the address. */
public class BrokerUnavailableException extends RetriableException {
    private static final long serialVersionUID = 1L;

    public BrokerUnavailableException(String message) {
        super(message);
    }

    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
