package io.polybus.artemis.internal;

import io.polybus.AuthenticationException;
import io.polybus.BrokerUnavailableException;
import io.polybus.PolybusException;
import io.polybus.RetriableException;
import io.polybus.spi.TlsFailure;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;

import java.util.Optional;

/**
 * Translates core client failures into Polybus exceptions at the module boundary, keeping the cause and naming
 * the address; never a password.
 */
final class BrokerErrors {
    /** The broker's name in TLS messages. */
    private static final String BROKER = "Artemis";

    private final String address;
    private final String username;
    private final ArtemisSettings settings;

    BrokerErrors(ArtemisSettings settings) {
        this.address = settings.address();
        this.username = settings.username;
        this.settings = settings;
    }

    String address() {
        return address;
    }

    /**
     * A failure of {@code what} (e.g. "send to topic 'x'"): lost or refused connections are
     * {@link BrokerUnavailableException}, refused credentials {@link AuthenticationException}, a full address
     * retriable, anything else a plain {@link PolybusException} carrying the broker's words.
     */
    PolybusException translate(Throwable e, String what) {
        if (e instanceof PolybusException p) {
            return p;
        }
        if (!(e instanceof ActiveMQException a)) {
            return new PolybusException(what + " on Artemis at " + address + " failed: " + e, e);
        }
        ActiveMQExceptionType type = a.getType();
        switch (type) {
            case NOT_CONNECTED, CONNECTION_TIMEDOUT, DISCONNECTED, REMOTE_DISCONNECT, UNBLOCKED, OBJECT_CLOSED,
                 SHUTDOWN_ERROR, TIMEOUT_EXCEPTION:
                return new BrokerUnavailableException("lost or cannot reach Artemis at " + address + " during " + what
                        + " (" + type + ": " + a.getMessage() + "); what was not acknowledged may or may not be stored", e);
            case SECURITY_EXCEPTION, SESSION_CREATION_REJECTED:
                return new AuthenticationException("Artemis at " + address + " refused " + user() + " during " + what
                        + ": " + a.getMessage(), e);
            case ADDRESS_FULL:
                return new RetriableException("Artemis at " + address + " refused " + what + ": the address is full ("
                        + a.getMessage() + ")", e);
            default:
                return new PolybusException(what + " on Artemis at " + address + " failed: " + type + " "
                        + a.getMessage(), e);
        }
    }

    /**
     * A failure to open the first connection and a session. The core client reports a failed TLS handshake only
     * as "cannot connect" (and a plaintext client on a TLS port as a time-out), so TLS is asked what went wrong.
     */
    PolybusException connecting(Throwable e) {
        Optional<PolybusException> tls = TlsFailure.explain(e, settings.tls, BROKER, address);
        if (tls.isPresent()) {
            return tls.get();
        }
        if (e instanceof ActiveMQException a && a.getType() != ActiveMQExceptionType.SECURITY_EXCEPTION
                && a.getType() != ActiveMQExceptionType.SESSION_CREATION_REJECTED) {
            tls = TlsFailure.diagnose(settings.tls, BROKER, settings.host, settings.port, settings.connectionTimeout);
            if (tls.isPresent()) {
                return tls.get();
            }
        }
        if (e instanceof ActiveMQException a && (a.getType() == ActiveMQExceptionType.SECURITY_EXCEPTION
                || a.getType() == ActiveMQExceptionType.SESSION_CREATION_REJECTED)) {
            return new AuthenticationException("Artemis at " + address + " refused the credentials of " + user()
                    + " (check username and password): " + a.getMessage(), e);
        }
        if (e instanceof ActiveMQException a && (a.getType() == ActiveMQExceptionType.NOT_CONNECTED
                || a.getType() == ActiveMQExceptionType.CONNECTION_TIMEDOUT
                || a.getType() == ActiveMQExceptionType.DISCONNECTED)) {
            return new BrokerUnavailableException("cannot reach Artemis at " + address + ": " + a.getMessage(), e);
        }
        return translate(e, "connect");
    }

    private String user() {
        return username == null ? "an anonymous user" : "user '" + username + "'";
    }
}
