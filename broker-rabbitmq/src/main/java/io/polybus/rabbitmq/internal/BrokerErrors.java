package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import com.rabbitmq.client.ShutdownSignalException;
import io.polybus.AuthenticationException;
import io.polybus.BrokerUnavailableException;
import io.polybus.PolybusException;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * Translates amqp-client failures into Polybus exceptions at the module boundary, keeping the cause and
 * naming the address; never a password.
 */
final class BrokerErrors {
    private final String address;
    private final String username;
    private final String virtualHost;

    BrokerErrors(RabbitSettings settings) {
        this.address = settings.address();
        this.username = settings.username;
        this.virtualHost = settings.virtualHost;
    }

    String address() {
        return address;
    }

    /** A failure to open the connection. */
    PolybusException connecting(Exception e) {
        if (e instanceof PossibleAuthenticationFailureException) {
            return new AuthenticationException("RabbitMQ at " + address + " refused the credentials of user '" + username
                    + "' for virtual host '" + virtualHost + "' (check username and password)", e);
        }
        ShutdownSignalException signal = e instanceof ShutdownSignalException s ? s
                : e.getCause() instanceof ShutdownSignalException s ? s : null;
        if (signal != null && signal.getReason() instanceof AMQP.Connection.Close close) {
            if (close.getReplyCode() == AMQP.ACCESS_REFUSED) {
                return new AuthenticationException("RabbitMQ at " + address + " refused user '" + username
                        + "' access to virtual host '" + virtualHost + "': " + close.getReplyText(), e);
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
            return new io.polybus.ClosedException("channel closed by the application during " + what);
        }
        return new BrokerUnavailableException("lost the connection to RabbitMQ at " + address + " during " + what
                + "; the broker may or may not have stored what was not confirmed", cause);
    }

    /** A channel operation (declare, bind, consume, create channel) failed. */
    PolybusException operation(Exception e, String what) {
        if (e instanceof ShutdownSignalException s) {
            return shutdown(s, what);
        }
        if (e instanceof AlreadyClosedException a) {
            return shutdown(a, what);
        }
        if (e.getCause() instanceof ShutdownSignalException s) {
            return shutdown(s, what);
        }
        if (e instanceof IOException || e instanceof TimeoutException) {
            return new BrokerUnavailableException(what + " on RabbitMQ at " + address + " failed: " + e, e);
        }
        return new PolybusException(what + " on RabbitMQ at " + address + " failed: " + e, e);
    }
}
