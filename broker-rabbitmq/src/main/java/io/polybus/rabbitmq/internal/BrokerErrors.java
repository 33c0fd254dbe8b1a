package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import com.rabbitmq.client.ShutdownSignalException;
import io.polybus.AuthenticationException;
import io.polybus.BrokerUnavailableException;
import io.polybus.ClosedException;
import io.polybus.PolybusException;
import io.polybus.spi.TlsFailure;
import io.polybus.spi.TlsSettings;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Translates amqp-client failures into Polybus exceptions at the module boundary, keeping the cause and
 * naming the address; never a password.
 */
final class BrokerErrors {
    private final String address;
    private final String username;
    private final String virtualHost;
    private final TlsSettings tls;
    private final boolean external;

    BrokerErrors(RabbitSettings settings) {
        this.address = settings.address();
        this.username = settings.username;
        this.virtualHost = settings.virtualHost;
        this.tls = settings.tls;
        this.external = settings.external;
    }

    /** Who logs in, for messages: the user name, or the subject of the client certificate with EXTERNAL. */
    private String login() {
        return external ? "the client certificate's subject '" + tls.certificateChain().get(0).getSubjectX500Principal()
                .getName() + "' (auth-mechanism EXTERNAL)" : "user '" + username + "'";
    }

    String address() {
        return address;
    }

    /** A failure to open the connection. */
    PolybusException connecting(Exception e) {
        if (tls.enabled()) {
            Optional<PolybusException> tlsFailure = TlsFailure.explain(e, tls, "RabbitMQ", address);
            if (tlsFailure.isPresent()) {
                return tlsFailure.get();
            }
        }
        if (e instanceof PossibleAuthenticationFailureException) {
            return new AuthenticationException("RabbitMQ at " + address + " refused the credentials of " + login()
                    + " for virtual host '" + virtualHost + "'" + (external ? " (is there a user of that name?)"
                    : " (check username and password)"), e);
        }
        if (e instanceof IOException && String.valueOf(e.getMessage()).startsWith("No compatible authentication mechanism")) {
            return new AuthenticationException("RabbitMQ at " + address + " does not offer auth-mechanism "
                    + (external ? "EXTERNAL" : "PLAIN") + ": " + e.getMessage() + (external ? "; EXTERNAL needs the"
                    + " rabbitmq_auth_mechanism_ssl plugin, EXTERNAL in the node's auth_mechanisms, and a client"
                    + " certificate the node verified (ssl_options.verify = verify_peer)" : ""), e);
        }
        ShutdownSignalException signal = e instanceof ShutdownSignalException s ? s
                : e.getCause() instanceof ShutdownSignalException s ? s : null;
        if (signal != null && signal.getReason() instanceof AMQP.Connection.Close close) {
            if (close.getReplyCode() == AMQP.ACCESS_REFUSED) {
                return new AuthenticationException("RabbitMQ at " + address + " refused " + login()
                        + " access to virtual host '" + virtualHost + "': " + close.getReplyText(), e);
            }
            return new PolybusException("RabbitMQ at " + address + " refused the connection to virtual host '"
                    + virtualHost + "': " + close.getReplyCode()
                    + " " + close.getReplyText(), e);
        }
        if (e instanceof TimeoutException) {
            return new BrokerUnavailableException("cannot reach RabbitMQ at " + address + ": timed out", e);
        }
        return new BrokerUnavailableException("cannot reach RabbitMQ at " + address + ": " + e, e);
    }

    /** The channel or connection shut down; {@code what} says what was going on, e.g. "publish to topic 'x'". */
    PolybusException shutdown(ShutdownSignalException cause, String what) {
        Object reason = cause.getReason();
        if (reason instanceof AMQP.Channel.Close close) {
            String hint = close.getReplyCode() == AMQP.NOT_FOUND
                    ? " (with auto-create=false, topics must be declared before use)" : "";
            return new PolybusException("RabbitMQ closed the channel during " + what + ": " + close.getReplyCode() + " "
                    + close.getReplyText() + hint, cause);
        }
        if (cause.isInitiatedByApplication()) {
            return new ClosedException("channel closed by the application during " + what);
        }
        return new BrokerUnavailableException("lost the connection to RabbitMQ at " + address + " during " + what
                + "; the broker may or may not have stored what was not confirmed", cause);
    }

    /** A channel operation (declare, bind, consume, create channel) failed other than by a shutdown. */
    PolybusException operation(Exception e, String what) {
        if (e instanceof IOException || e instanceof TimeoutException) {
            return new BrokerUnavailableException(what + " on RabbitMQ at " + address + " failed: " + e, e);
        }
        return new PolybusException(what + " on RabbitMQ at " + address + " failed: " + e, e);
    }
}
