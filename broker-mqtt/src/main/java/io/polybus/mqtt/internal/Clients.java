package io.polybus.mqtt.internal;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.polybus.AuthenticationException;
import io.polybus.BrokerUnavailableException;
import io.polybus.PolybusException;
import io.polybus.spi.TlsFailure;
import io.polybus.spi.TlsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One MQTT 5 connection of this broker (the HiveMQ client), and the rules every connection follows: the first
 * connect must succeed within {@code connect-timeout} or {@link #connect} fails naming host and port; a connection
 * lost after that is re-established with exponential back-off (from {@code reconnect-initial-delay} to
 * {@code reconnect-max-delay}) until {@link #close}, except when another client took the session over (two
 * processes with one client id), which is logged as an error and not fought over.
 *
 * <p>Threading: the HiveMQ client is thread-safe; the listeners run on its Netty event loop.
 */
final class Clients {
    private static final Logger log = LoggerFactory.getLogger(Clients.class);
    /** The broker's name in messages. */
    private static final String BROKER = "mqtt server";

    private Clients() {
    }

    /** A connection to be made by {@link Connection#connect}. */
    static final class Connection {
        private final MqttSettings settings;
        private final String id;
        private final boolean cleanStart;
        private final long sessionExpirySeconds;
        private final int receiveMaximum;
        private final Consumer<Throwable> onLost;
        final Mqtt5AsyncClient client;
        private volatile boolean connectedOnce;
        private volatile boolean closing;

        /**
         * @param cleanStart           whether the server forgets a previous session of this id
         * @param sessionExpirySeconds how long the server keeps the session after a disconnect (0: not at all)
         * @param receiveMaximum       QoS 1 deliveries the server may have unacked at this client at once
         * @param onLost               called (on the event loop) when the connection is lost and will be re-made
         */
        Connection(MqttSettings settings, String id, boolean cleanStart, long sessionExpirySeconds, int receiveMaximum,
                   Consumer<Throwable> onLost) {
            this.settings = settings;
            this.id = id;
            this.cleanStart = cleanStart;
            this.sessionExpirySeconds = sessionExpirySeconds;
            this.receiveMaximum = receiveMaximum;
            this.onLost = onLost;
            Mqtt5ClientBuilder b = MqttClient.builder().useMqttVersion5().identifier(id)
                    .serverHost(settings.host()).serverPort(settings.port())
                    .addDisconnectedListener(this::disconnected);
            TlsSettings tls = settings.tls();
            if (tls.enabled()) {
                MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder();
                tls.trustManagerFactory().ifPresent(ssl::trustManagerFactory);
                tls.keyManagerFactory().ifPresent(ssl::keyManagerFactory);
                if (!tls.verifyHostname()) {
                    ssl.hostnameVerifier((host, session) -> true);
                }
                b = b.sslConfig(ssl.build());
            }
            if (settings.username().isPresent() || settings.password().isPresent()) {
                b = b.simpleAuth(simpleAuth(settings));
            }
            this.client = b.buildAsync();
        }

        String id() {
            return id;
        }

        /**
         * Connects, waiting at most {@code connect-timeout}.
         *
         * @throws BrokerUnavailableException naming host and port when the server cannot be reached in time
         * @throws AuthenticationException    when it refuses the credentials
         */
        Mqtt5ConnAck connect() {
            try {
                Mqtt5ConnAck ack = client.connectWith()
                        .cleanStart(cleanStart)
                        .sessionExpiryInterval(sessionExpirySeconds)
                        .keepAlive(settings.keepAliveSeconds())
                        .restrictions().receiveMaximum(receiveMaximum).applyRestrictions()
                        .send()
                        .get(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
                connectedOnce = true;
                return ack;
            } catch (ExecutionException e) {
                close();
                Throwable cause = e.getCause();
                throw TlsFailure.explain(cause, settings.tls(), BROKER, settings.address())
                        .or(() -> cause instanceof Mqtt5ConnAckException ? Optional.empty() : diagnose())
                        .orElseGet(() -> failure(cause, "connect as '" + id + "'"));
            } catch (TimeoutException e) {
                close();
                throw diagnose().orElseGet(() -> new BrokerUnavailableException("mqtt server at " + settings.address()
                        + " did not accept a connection within " + settings.connectTimeout() + " (connect-timeout)", e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new PolybusException("interrupted while connecting to mqtt server at " + settings.address(), e);
            }
        }

        /** What TLS says of a first connection that failed without a telling exception: the port, or the certificate. */
        private Optional<PolybusException> diagnose() {
            return connectedOnce ? Optional.empty()
                    : TlsFailure.diagnose(settings.tls(), BROKER, settings.host(), settings.port(), settings.connectTimeout());
        }

        private void disconnected(MqttClientDisconnectedContext context) {
            if (closing || !connectedOnce || context.getSource() == MqttDisconnectSource.USER) {
                return;
            }
            Throwable cause = context.getCause();
            if (cause instanceof Mqtt5DisconnectException d
                    && d.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER) {
                log.error("another client connected to mqtt server at {} as '{}' and took this connection's session"
                        + " over; two processes share one client-id: give each its own. Not reconnecting.",
                        settings.address(), id);
                onLost.accept(cause);
                return;
            }
            long attempt = context.getReconnector().getAttempts();
            long delay = Math.min(settings.reconnectMaxDelay().toMillis(),
                    settings.reconnectInitialDelay().toMillis() << Math.min(20, attempt));
            if (attempt == 0) {
                log.warn("lost mqtt server at {} (client '{}'): {}; reconnecting", settings.address(), id, cause.toString());
            } else {
                log.debug("reconnect {} of client '{}' to {} failed: {}", attempt, id, settings.address(), cause.toString());
            }
            context.getReconnector().reconnect(true).republishIfSessionExpired(true).resubscribeIfSessionExpired(true)
                    // Mosquitto 2.0 restores a persisted session without its shared subscriptions: subscribe again.
                    .resubscribeIfSessionPresent(true)
                    .delay(delay, TimeUnit.MILLISECONDS);
            onLost.accept(cause);
        }

        /** Disconnects (the server keeps the session for its expiry) and stops reconnecting. Idempotent. */
        void close() {
            closing = true;
            try {
                client.disconnect().get(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                log.debug("disconnect of client '{}': {}", id, e.getCause().toString());
            } catch (TimeoutException e) {
                log.debug("disconnect of client '{}' timed out", id);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static Mqtt5SimpleAuth simpleAuth(MqttSettings settings) {
            byte[] password = settings.password().map(p -> p.value().getBytes(StandardCharsets.UTF_8)).orElse(null);
            if (settings.username().isEmpty()) {
                return Mqtt5SimpleAuth.builder().password(password).build();
            }
            Mqtt5SimpleAuthBuilder.Complete auth = Mqtt5SimpleAuth.builder().username(settings.username().get());
            return password == null ? auth.build() : auth.password(password).build();
        }

        /** Turns a client failure into a Polybus exception naming the server. */
        PolybusException failure(Throwable e, String what) {
            return Clients.failure(settings, e, what);
        }
    }

    static PolybusException failure(MqttSettings settings, Throwable e, String what) {
        if (e instanceof PolybusException p) {
            return p;
        }
        Optional<PolybusException> tls = TlsFailure.explain(e, settings.tls(), BROKER, settings.address());
        if (tls.isPresent()) {
            return tls.get();
        }
        if (e instanceof Mqtt5ConnAckException c) {
            Mqtt5ConnAckReasonCode code = c.getMqttMessage().getReasonCode();
            if (code == Mqtt5ConnAckReasonCode.NOT_AUTHORIZED || code == Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD
                    || code == Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD) {
                return new AuthenticationException("mqtt server at " + settings.address() + " refused the credentials"
                        + settings.username().map(u -> " of user '" + u + "'").orElse("") + " (" + code + ")", e);
            }
            return new BrokerUnavailableException("mqtt server at " + settings.address() + " refused to " + what
                    + " (" + code + ")", e);
        }
        return new BrokerUnavailableException("mqtt server at " + settings.address() + ": could not " + what + ": "
                + e.getMessage(), e);
    }
}
