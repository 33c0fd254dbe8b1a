package io.polybus;

/** The broker refused the credentials. Never retriable: fix the configuration. */
public class AuthenticationException extends PolybusException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
