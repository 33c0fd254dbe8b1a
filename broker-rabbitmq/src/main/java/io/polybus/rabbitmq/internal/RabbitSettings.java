package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ConnectionFactoryConfigurator;
import com.rabbitmq.client.DefaultSaslConfig;
import com.rabbitmq.client.SocketConfigurators;
import io.polybus.Capability;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration keys of the {@code rabbitmq} provider and their parsed values. Knows how to build the
 * amqp-client {@link ConnectionFactory}; never exposes the password or a URI (which may hold one).
 */
public final class RabbitSettings {
    public static final String TYPE = "rabbitmq";

    static final String URI = "uri";
    static final String HOST = "host";
    static final String PORT = "port";
    static final String VIRTUAL_HOST = "virtual-host";
    static final String USERNAME = "username";
    static final String PASSWORD = "password";
    static final String AUTH_MECHANISM = "auth-mechanism";
    static final String CONNECTION_NAME = "connection-name";
    static final String CONNECTION_TIMEOUT = "connection-timeout";
    static final String HEARTBEAT = "heartbeat";
    static final String RECOVERY_INTERVAL = "recovery-interval";
    static final String QUEUE_TYPE = "queue-type";
    static final String SINGLE_ACTIVE_CONSUMER = "single-active-consumer";
    static final String AUTO_CREATE = "auto-create";
    static final String DEAD_LETTER_QUEUE = "dead-letter-queue";
    static final String PERSISTENT = "persistent";
    static final String MANDATORY = "mandatory";
    static final String MAX_UNCONFIRMED = "max-unconfirmed";
    static final String MAX_MESSAGE_BYTES = "max-message-bytes";
    static final String PASS_THROUGH = "rabbitmq.";

    /** amqp-client refuses bodies above 64 MiB unless told otherwise. */
    private static final int CLIENT_DEFAULT_MAX_BODY = 64 * 1024 * 1024;

    public static final ConfigDef CONFIG = ConfigDef.builder(TYPE)
            .define(URI, Type.PASSWORD, null, RabbitSettings::checkUri,
                    "amqp:// or amqps:// URI (user, password, host, port, virtual host); the parts it holds override"
                            + " `host`, `port`, `virtual-host`, `username` and `password` (amqps: as with `tls`)."
                            + " Treated as a secret because it may hold the password.")
            .define(HOST, Type.STRING, "localhost", ConfigDef.nonEmpty(), "Host of the RabbitMQ node.")
            .define(PORT, Type.INT, null, ConfigDef.between(1, 65535), "AMQP port; 5672, or 5671 with `tls`.")
            .define(VIRTUAL_HOST, Type.STRING, "/", ConfigDef.nonEmpty(), "Virtual host.")
            .define(USERNAME, Type.STRING, "guest", ConfigDef.nonEmpty(), "User name.")
            .define(PASSWORD, Type.PASSWORD, "guest",
                    "Password; never logged. Use `${NAME}` or `${file:/path}` in YAML, or POLYBUS_BROKER_PASSWORD.")
            .define(AUTH_MECHANISM, Type.STRING, "PLAIN", ConfigDef.oneOf("PLAIN", "EXTERNAL"),
                    "How to log in: PLAIN (`username` and `password`) or EXTERNAL (x509: the user named by the client"
                            + " certificate, which needs TLS with `tls.cert-file` or `tls.key-store` and the node's"
                            + " rabbitmq_auth_mechanism_ssl plugin).")
            .include(TlsSettings::define)
            .define(CONNECTION_NAME, Type.STRING, "polybus", ConfigDef.nonEmpty(),
                    "Name of the consuming connection in the management UI and `rabbitmqctl list_connections`;"
                            + " the publishing one is `<name>-publish`.")
            .define(CONNECTION_TIMEOUT, Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "TCP connect timeout.")
            .define(HEARTBEAT, Type.DURATION, "30s",
                    v -> ((Duration) v).isZero() || ((Duration) v).toSeconds() >= 1 ? null : "0 (off) or at least 1s",
                    "AMQP heartbeat (whole seconds); 0 turns it off.")
            .define(RECOVERY_INTERVAL, Type.DURATION, "2s", ConfigDef.atLeast(Duration.ofMillis(10)),
                    "Wait between attempts to recover a lost connection (connections, channels, queues, bindings and"
                            + " consumers recover automatically).")
            .define(QUEUE_TYPE, Type.STRING, "classic", ConfigDef.oneOf("classic", "quorum"),
                    "Type of the group queues it declares: classic or quorum (replicated; the broker counts deliveries).")
            .define(SINGLE_ACTIVE_CONSUMER, Type.BOOLEAN, "false",
                    "Declare group queues with a single active consumer: strict order by key (ORDERED_BY_KEY) but"
                            + " no scale-out (no PARTITIONED): the other consumers of a group stand by.")
            .define(AUTO_CREATE, Type.BOOLEAN, "true",
                    "Declare topic exchanges on first send and at subscribe; when false, topics must exist and a send"
                            + " to a missing one fails.")
            .define(DEAD_LETTER_QUEUE, Type.BOOLEAN, "true",
                    "At subscribe, also declare a durable queue named after the dead-letter topic that keeps every"
                            + " dead letter until someone drains it.")
            .define(PERSISTENT, Type.BOOLEAN, "true",
                    "Publish persistent messages (delivery mode 2): they survive a broker restart (DURABLE).")
            .define(MANDATORY, Type.BOOLEAN, "true",
                    "Publish as mandatory: a send to a topic no group is subscribed to fails instead of being"
                            + " dropped silently by the broker.")
            .define(MAX_UNCONFIRMED, Type.INT, "4096", ConfigDef.between(1, 1_000_000),
                    "Messages a producer has published but not yet seen confirmed at most (the confirm window);"
                            + " past it `send` applies the producer's backpressure.")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, "16MiB", ConfigDef.between(1024, 512L * 1024 * 1024),
                    "Largest message (key + payload + headers) `send` accepts; keep it at or below the server's"
                            + " max_message_size (128 MiB by default in RabbitMQ 3.10).")
            .passThrough(PASS_THROUGH, "Any amqp-client ConnectionFactoryConfigurator property but `ssl.*` (TLS is"
                    + " `tls.*`), e.g. `rabbitmq.connection.channel.max`.")
            .build();

    /** What the default configuration promises. */
    public static final Set<Capability> DEFAULT_CAPABILITIES = capabilities(true, false);

    private static final Set<String> CLIENT_KEYS = clientKeys();

    final String host;
    final int port;
    final String virtualHost;
    final String username;
    final boolean quorum;
    final boolean singleActiveConsumer;
    final boolean autoCreate;
    final boolean deadLetterQueue;
    final boolean persistent;
    final boolean mandatory;
    final int maxUnconfirmed;
    final long maxMessageBytes;
    final String connectionName;
    final Set<Capability> capabilities;
    final TlsSettings tls;
    final boolean external;
    final Duration connectionTimeout;
    private final ConnectionFactory factory;

    private RabbitSettings(ProviderConfig config) {
        factory = new ConnectionFactory();
        factory.setHost(config.getString(HOST));
        factory.setVirtualHost(config.getString(VIRTUAL_HOST));
        factory.setUsername(config.getString(USERNAME));
        config.findPassword(PASSWORD).map(Password::value).ifPresent(factory::setPassword);
        config.findPassword(URI).ifPresent(uri -> setUri(factory, uri.value()));
        tls = TlsSettings.from(config, config.getBoolean(TlsSettings.ENABLED) || factory.isSSL(),
                "`tls: true` or an amqps:// uri");
        // An amqps:// URI alone makes amqp-client trust every certificate: the broker's own context replaces that.
        if (tls.enabled()) {
            // Not useSslProtocol(SSLContext) nor setSslContextFactory: both turn the host-name check on unasked.
            factory.setSocketFactory(tls.sslContext().getSocketFactory());
            factory.setSocketConfigurator(SocketConfigurators.defaultConfigurator());
            if (tls.verifyHostname()) {
                factory.enableHostnameVerification();
            }
        }
        external = config.getString(AUTH_MECHANISM).equalsIgnoreCase("EXTERNAL");
        if (external) {
            if (!tls.hasClientCertificate()) {
                throw new ConfigException(AUTH_MECHANISM, "EXTERNAL", "expected a client certificate to log in with: set `tls:"
                        + " true` with " + TlsSettings.CERT_FILE + " and " + TlsSettings.KEY_FILE + ", or "
                        + TlsSettings.KEY_STORE);
            }
            factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);
        }
        if (!config.has(URI)) {
            factory.setPort(config.has(PORT) ? config.getInt(PORT)
                    : factory.isSSL() ? ConnectionFactory.DEFAULT_AMQP_OVER_SSL_PORT : ConnectionFactory.DEFAULT_AMQP_PORT);
        }
        connectionTimeout = config.getDuration(CONNECTION_TIMEOUT);
        factory.setConnectionTimeout(millis(connectionTimeout));
        factory.setRequestedHeartbeat((int) config.getDuration(HEARTBEAT).toSeconds());
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(config.getDuration(RECOVERY_INTERVAL).toMillis());
        maxMessageBytes = config.getSize(MAX_MESSAGE_BYTES);
        factory.setMaxInboundMessageBodySize((int) Math.max(CLIENT_DEFAULT_MAX_BODY, maxMessageBytes + 64 * 1024));
        applyPassThrough(factory, config.passThrough());

        host = factory.getHost();
        port = factory.getPort();
        virtualHost = factory.getVirtualHost();
        username = factory.getUsername();
        quorum = config.getString(QUEUE_TYPE).equalsIgnoreCase("quorum");
        singleActiveConsumer = config.getBoolean(SINGLE_ACTIVE_CONSUMER);
        autoCreate = config.getBoolean(AUTO_CREATE);
        deadLetterQueue = config.getBoolean(DEAD_LETTER_QUEUE);
        persistent = config.getBoolean(PERSISTENT);
        mandatory = config.getBoolean(MANDATORY);
        maxUnconfirmed = config.getInt(MAX_UNCONFIRMED);
        connectionName = config.getString(CONNECTION_NAME);
        capabilities = capabilities(persistent, singleActiveConsumer);
    }

    /**
     * @throws ConfigException naming a bad URI or pass-through key (values of secrets are never shown)
     */
    public static RabbitSettings from(ProviderConfig config) {
        return new RabbitSettings(config);
    }

    static Set<Capability> capabilities(boolean persistent, boolean singleActiveConsumer) {
        EnumSet<Capability> set = EnumSet.of(Capability.FANOUT, Capability.DEAD_LETTER, Capability.AT_LEAST_ONCE,
                Capability.DELAYED_REQUEUE);
        if (persistent) {
            set.add(Capability.DURABLE);
        }
        set.add(singleActiveConsumer ? Capability.ORDERED_BY_KEY : Capability.PARTITIONED);
        return Set.copyOf(set);
    }

    ConnectionFactory factory() {
        return factory;
    }

    /** {@code host:port}, for messages. */
    String address() {
        return host + ":" + port;
    }

    private static String checkUri(Object value) {
        try {
            java.net.URI uri = new java.net.URI(((Password) value).value());
            if (uri.getHost() == null || !("amqp".equalsIgnoreCase(uri.getScheme()) || "amqps".equalsIgnoreCase(uri.getScheme()))) {
                return "an amqp://user:password@host:port/vhost or amqps://... URI";
            }
            new ConnectionFactory().setUri(uri);
            return null;
        } catch (Exception e) {
            return "an amqp://user:password@host:port/vhost or amqps://... URI";
        }
    }

    private static void setUri(ConnectionFactory factory, String uri) {
        try {
            factory.setUri(uri);
        } catch (Exception e) {
            // The exception's text would repeat the URI, password included.
            throw new ConfigException(URI, "[hidden]", "expected amqp://user:password@host:port/vhost or amqps://...");
        }
    }

    private static void applyPassThrough(ConnectionFactory factory, Map<String, String> settings) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        settings.forEach((key, value) -> {
            String full = PASS_THROUGH + key;
            boolean secret = key.contains("password");
            if (key.startsWith("ssl.")) {
                problems.add(new ConfigException.Problem(full, null, "TLS is configured with the tls.* keys (tls.ca-file,"
                        + " tls.trust-store, tls.cert-file, tls.key-file, tls.key-store, tls.verify-hostname)"));
                return;
            }
            if (!CLIENT_KEYS.contains(key) && !key.startsWith(ConnectionFactoryConfigurator.CLIENT_PROPERTIES_PREFIX)) {
                problems.add(new ConfigException.Problem(full, null, "not an amqp-client setting; known: "
                        + String.join(", ", CLIENT_KEYS.stream().map(k -> PASS_THROUGH + k).toList())
                        + ", " + PASS_THROUGH + ConnectionFactoryConfigurator.CLIENT_PROPERTIES_PREFIX + "*"));
                return;
            }
            try {
                ConnectionFactoryConfigurator.load(factory, Map.of(key, value), "");
            } catch (RuntimeException e) {
                problems.add(new ConfigException.Problem(full, secret ? "[hidden]" : value,
                        "not accepted by amqp-client" + (secret ? "" : ": " + e.getMessage())));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private static Set<String> clientKeys() {
        Set<String> keys = new TreeSet<>();
        for (Field f : ConnectionFactoryConfigurator.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class
                    && !f.getName().equals("DEFAULT_PREFIX") && !f.getName().equals("PEM_TYPE")
                    && !f.getName().equals("CLIENT_PROPERTIES_PREFIX") && !f.getName().startsWith("SSL_")) {
                try {
                    keys.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return keys;
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }
}
