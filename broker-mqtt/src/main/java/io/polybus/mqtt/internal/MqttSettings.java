package io.polybus.mqtt.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;

/**
 * The parsed configuration of one MQTT broker. Immutable.
 *
 * @param clientId the base of every client id this broker uses (consumers append topic, group and slot)
 */
public record MqttSettings(String host, int port, TlsSettings tls, Optional<String> username, Optional<Password> password,
                           String clientId, Duration sessionExpiry, Duration keepAlive, Duration connectTimeout,
                           Duration reconnectInitialDelay, Duration reconnectMaxDelay, long maxMessageBytes,
                           int maxInFlight, boolean mandatory, boolean durable) {

    static final String HOST = "host";
    static final String PORT = "port";
    static final String USERNAME = "username";
    static final String PASSWORD = "password";
    static final String CLIENT_ID = "client-id";
    static final String SESSION_EXPIRY = "session-expiry";
    static final String KEEP_ALIVE = "keep-alive";
    static final String CONNECT_TIMEOUT = "connect-timeout";
    static final String RECONNECT_INITIAL_DELAY = "reconnect-initial-delay";
    static final String RECONNECT_MAX_DELAY = "reconnect-max-delay";
    static final String MAX_MESSAGE_BYTES = "max-message-bytes";
    static final String MAX_IN_FLIGHT = "producer.max-in-flight";
    static final String MANDATORY = "mandatory";
    static final String DURABLE = "durable";

    /** MQTT's largest packet: 268,435,455 bytes (the remaining length is a 4-byte variable integer). */
    static final long MQTT_MAX_PACKET = 268_435_455L;
    /** Room kept for the fixed header, topic and Polybus's properties within a packet. */
    static final long PACKET_OVERHEAD = 64 * 1024;
    /** MQTT 5 session expiry is an unsigned 32-bit number of seconds; its maximum means "never". */
    static final long NEVER_EXPIRES = 0xFFFF_FFFFL;

    public static final ConfigDef DEFINITION = ConfigDef.builder("mqtt")
            .define(HOST, Type.STRING, "127.0.0.1", ConfigDef.nonEmpty(), "Host of the MQTT 5 server.")
            .define(PORT, Type.INT, null, ConfigDef.between(1, 65535), "Port; 1883, or 8883 with `tls`.")
            .include(TlsSettings::define)
            .define(USERNAME, Type.STRING, null, "User name (MQTT simple authentication).")
            .define(PASSWORD, Type.PASSWORD, null,
                    "Password; never logged. Use `${NAME}` or `${file:/path}` in YAML, or POLYBUS_BROKER_PASSWORD.")
            .define(CLIENT_ID, Type.STRING, null,
                    "Base of the client ids: a group member is `<client-id>:<group>:<topic>:<slot>`, a producer "
                            + "`<client-id>:producer:<random>`. It must be the same when a process comes back (its "
                            + "sessions hold what it has not acked) and differ between processes that run at once "
                            + "(a second connection with one id takes the session over). Default `polybus-<host name>`.")
            .define(SESSION_EXPIRY, Type.DURATION, "1d", ConfigDef.atLeast(Duration.ofSeconds(1)),
                    "How long the server keeps a group member's session (its subscription, unacked and queued "
                            + "messages) after the member disconnects; a member that comes back later finds it gone "
                            + "and what it held lost.")
            .define(KEEP_ALIVE, Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofSeconds(1)),
                    "MQTT keep-alive (whole seconds): how soon a dead connection is noticed.")
            .define(CONNECT_TIMEOUT, Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long connecting and subscribing may take at open, `producer()` and `subscribe`.")
            .define(RECONNECT_INITIAL_DELAY, Type.DURATION, "100ms", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "First wait before reconnecting a lost connection; it doubles on every failed attempt.")
            .define(RECONNECT_MAX_DELAY, Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "Longest wait between reconnect attempts.")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, "8MiB", ConfigDef.between(1, MQTT_MAX_PACKET - PACKET_OVERHEAD),
                    "Largest message (key + payload + headers) `send` accepts; the server's maximum packet size, "
                            + "when it announces a smaller one, lowers it (Mosquitto: `message_size_limit`).")
            .define(MAX_IN_FLIGHT, Type.INT, "1024", ConfigDef.between(1, 1_000_000),
                    "Messages a producer has sent but not seen acknowledged at most, next to the byte bound of its "
                            + "options; past it `send` waits or fails as that bound does. The server takes only its "
                            + "receive maximum at a time (Mosquitto: 20); more would just queue in the client.")
            .define(MANDATORY, Type.BOOLEAN, "true",
                    "A send the server acknowledges with 'no matching subscribers' (no group on the topic: nothing "
                            + "stored it) fails with a retriable error instead of succeeding.")
            .define(DURABLE, Type.BOOLEAN, "false",
                    "Declare DURABLE: set it only when the server keeps sessions and queued messages across a "
                            + "restart (Mosquitto: `persistence true`). MQTT cannot tell a client, so this is your word.")
            .build();

    /** Builds settings from a parsed configuration. */
    public static MqttSettings from(ProviderConfig c) {
        TlsSettings tls = TlsSettings.from(c);
        int port = c.has(PORT) ? c.getInt(PORT) : tls.enabled() ? 8883 : 1883;
        String clientId = c.findString(CLIENT_ID).map(String::trim).filter(s -> !s.isEmpty())
                .orElseGet(() -> "polybus-" + hostName());
        return new MqttSettings(c.getString(HOST), port, tls, c.findString(USERNAME), c.findPassword(PASSWORD), clientId,
                c.getDuration(SESSION_EXPIRY), c.getDuration(KEEP_ALIVE), c.getDuration(CONNECT_TIMEOUT),
                c.getDuration(RECONNECT_INITIAL_DELAY), c.getDuration(RECONNECT_MAX_DELAY), c.getSize(MAX_MESSAGE_BYTES),
                c.getInt(MAX_IN_FLIGHT), c.getBoolean(MANDATORY), c.getBoolean(DURABLE));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** The address, for messages: never includes credentials. */
    public String address() {
        return host + ":" + port;
    }

    /** The session expiry in MQTT's unit (seconds), capped at "never expires". */
    long sessionExpirySeconds() {
        return Math.min(NEVER_EXPIRES, Math.max(1, sessionExpiry.toSeconds()));
    }

    int keepAliveSeconds() {
        return (int) Math.min(65_535, Math.max(1, keepAlive.toSeconds()));
    }

    @Override
    public String toString() {
        return "MqttSettings[" + address() + (tls.enabled() ? " tls" : "") + username.map(u -> " user " + u).orElse("")
                + " client-id " + clientId + "]";
    }
}
