package io.polybus.nats.internal;

import io.nats.client.JetStreamApiException;
import io.polybus.AuthenticationException;
import io.polybus.BrokerUnavailableException;
import io.polybus.ClosedException;
import io.polybus.PolybusException;
import io.polybus.PolybusTimeoutException;
import io.polybus.spi.TlsFailure;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Translates jnats failures into Polybus exceptions at the module boundary, keeping the cause and naming the
 * servers; never a credential.
 */
final class Errors {
    private final String address;
    private final NatsSettings settings;

    Errors(NatsSettings settings) {
        this.settings = settings;
        this.address = settings.address();
    }

    /**
     * A failure to connect.
     *
     * @param reported the last exception the client reported while trying (its connect failure only says that it
     *                 could not connect), or null
     */
    PolybusException connecting(IOException e, Exception reported) {
        Throwable detail = reported == null ? e : reported;
        Optional<PolybusException> tls = TlsFailure.explain(detail, settings.tls(), "NATS", address);
        if (tls.isPresent()) {
            return tls.get();
        }
        String text = (e.getMessage() + " " + detail.getMessage()).toLowerCase(Locale.ROOT);
        if (text.contains("ssl required by server")) {
            return new PolybusException("NATS at " + address + " expects TLS and the client spoke plaintext; turn TLS on"
                    + " with " + settings.tls().enabledBy(), e);
        }
        if (text.contains("ssl connection wanted by client")) {
            return new PolybusException("NATS at " + address + ": TLS handshake failed: the server does not offer TLS"
                    + " (tls is on)", e);
        }
        if (e instanceof io.nats.client.AuthenticationException || detail instanceof io.nats.client.AuthenticationException
                || text.contains("authorization")
                || text.contains("authentication")) {
            return new AuthenticationException("NATS at " + address + " refused the credentials" + who()
                    + ": " + e.getMessage(), e);
        }
        return new BrokerUnavailableException("cannot reach NATS at " + address + ": " + e.getMessage(), e);
    }

    private String who() {
        if (settings.user().isPresent()) {
            return " of user '" + settings.user().get() + "'";
        }
        if (settings.token().isPresent()) {
            return " (token)";
        }
        if (settings.nkeySeed().isPresent()) {
            return " (nkey)";
        }
        if (settings.credentialsFile().isPresent()) {
            return " in " + settings.credentialsFile().get();
        }
        return " (none were given)";
    }

    /** A JetStream request ({@code what}: "create stream 'x'") failed. */
    PolybusException operation(Exception e, String what) {
        if (e instanceof JetStreamApiException api) {
            return new PolybusException(what + " on NATS at " + address + " failed: " + api.getErrorDescription()
                    + " (JetStream error " + api.getApiErrorCode() + ")", e);
        }
        if (e instanceof IOException || e instanceof TimeoutException) {
            return new BrokerUnavailableException(what + " on NATS at " + address + " failed: " + e.getMessage(), e);
        }
        if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("losed")) {
            return new ClosedException(what + ": the connection to NATS at " + address + " is closed");
        }
        return new PolybusException(what + " on NATS at " + address + " failed: " + e, e);
    }

    /** A publish to {@code topic} failed, before or after it reached the server. */
    PolybusException publish(Throwable e, String topic) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof PolybusException pe) {
            return pe;
        }
        if (cause instanceof TimeoutException || cause instanceof CancellationException) {
            return new PolybusTimeoutException("NATS at " + address + " did not confirm a message on topic '" + topic
                    + "' within " + settings.requestTimeout() + " (request-timeout); it may or may not have been stored",
                    cause);
        }
        if (cause instanceof JetStreamApiException api) {
            return new PolybusException("NATS at " + address + " refused a message on topic '" + topic + "': "
                    + api.getErrorDescription() + " (JetStream error " + api.getApiErrorCode() + ")", cause);
        }
        if (cause instanceof IOException) {
            return new BrokerUnavailableException("publishing to topic '" + topic + "' on NATS at " + address
                    + " failed: " + cause.getMessage() + "; the message may or may not have been stored", cause);
        }
        if (cause instanceof IllegalStateException) {
            String text = String.valueOf(cause.getMessage());
            if (text.contains("losed")) {
                return new ClosedException("the connection to NATS at " + address + " is closed");
            }
            return new BrokerUnavailableException("cannot publish to topic '" + topic + "' on NATS at " + address + ": "
                    + text, cause);
        }
        return new PolybusException("publishing to topic '" + topic + "' on NATS at " + address + " failed: " + cause,
                cause);
    }
}
