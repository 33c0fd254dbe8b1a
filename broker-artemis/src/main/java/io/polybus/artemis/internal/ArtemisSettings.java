package io.polybus.artemis.internal;

import io.polybus.Capability;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.Setters;
import io.polybus.spi.TlsSettings;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyConnectorFactory;
import org.apache.activemq.artemis.core.remoting.impl.netty.TransportConstants;
import org.apache.activemq.artemis.spi.core.remoting.ssl.SSLContextFactory;
import org.apache.activemq.artemis.spi.core.remoting.ssl.SSLContextFactoryProvider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configuration keys of the {@code artemis} provider and their parsed values. Builds the core client's
 * {@link ServerLocator}; never exposes the password.
 */
public final class ArtemisSettings {
    public static final String TYPE = "artemis";

    static final String HOST = "host";
    static final String PORT = "port";
    static final String USERNAME = "username";
    static final String PASSWORD = "password";
    static final String CONNECTION_TIMEOUT = "connection-timeout";
    static final String CALL_TIMEOUT = "call-timeout";
    static final String HEARTBEAT = "heartbeat";
    static final String RECOVERY_INTERVAL = "recovery-interval";
    static final String AUTO_CREATE = "auto-create";
    static final String DEAD_LETTER_QUEUE = "dead-letter-queue";
    static final String PERSISTENT = "persistent";
    static final String GROUP_BUCKETS = "group-buckets";
    static final String MAX_MESSAGE_BYTES = "max-message-bytes";
    static final String PASS_THROUGH = "artemis.";

    /** Send acknowledgements are asynchronous only with a confirmation window; this is its size unless set. */
    private static final int DEFAULT_CONFIRMATION_WINDOW = 1024 * 1024;

    public static final ConfigDef CONFIG = ConfigDef.builder(TYPE)
            .define(HOST, Type.STRING, "localhost", ConfigDef.nonEmpty(), "Host of the Artemis broker.")
            .define(PORT, Type.INT, "61616", ConfigDef.between(1, 65535), "Port of an acceptor that speaks the CORE protocol.")
            .define(USERNAME, Type.STRING, null,
                    "User name; leave it out for a broker that allows anonymous access.")
            .define(PASSWORD, Type.PASSWORD, null,
                    "Password; never logged. Use `${NAME}` or `${file:/path}` in YAML, or POLYBUS_BROKER_PASSWORD.")
            .include(TlsSettings::define)
            .define(CONNECTION_TIMEOUT, Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "TCP connect timeout.")
            .define(CALL_TIMEOUT, Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(100)),
                    "How long a blocking call (open a session, create an address or a queue) waits for the broker.")
            .define(HEARTBEAT, Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofMillis(100)),
                    "A connection on which nothing arrived for this long is taken for dead (client-failure-check-period);"
                            + " the broker drops a client it has not heard from for three times as long (connection-ttl).")
            .define(RECOVERY_INTERVAL, Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofMillis(10)),
                    "Wait between attempts of a consumer to reconnect after it lost its connection (producers reconnect"
                            + " on their next send).")
            .define(AUTO_CREATE, Type.BOOLEAN, "true",
                    "At subscribe, create the topic's multicast address, the group's durable queue and the dead-letter"
                            + " address when missing; when false they must exist (sends rely on the broker's own"
                            + " auto-create-addresses).")
            .define(DEAD_LETTER_QUEUE, Type.BOOLEAN, "true",
                    "At subscribe, also create a durable queue named after the dead-letter topic that keeps every"
                            + " dead letter until someone drains it.")
            .define(PERSISTENT, Type.BOOLEAN, "true",
                    "Send durable messages: the broker journals them before it acknowledges the send (DURABLE).")
            .define(GROUP_BUCKETS, Type.INT, "1024", ConfigDef.between(-1, 1 << 20),
                    "Group queues created with this many message-group buckets: messages of one key go to one consumer"
                            + " of the group at a time (ORDERED_BY_KEY); -1 keeps one entry per key on the broker"
                            + " (unbounded), 0 turns grouping off (no ORDERED_BY_KEY).")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, "16MiB", ConfigDef.between(1024, 1024L * 1024 * 1024),
                    "Largest message (key + payload + headers) `send` accepts. Artemis streams messages above the"
                            + " client's minLargeMessageSize (100 KiB) as large messages, so the broker sets no limit of"
                            + " its own.")
            .passThrough(PASS_THROUGH, "Any core client URL parameter of the server locator or of the Netty connector,"
                    + " e.g. `artemis.consumerWindowSize`, `artemis.producerWindowSize` or `artemis.enabledProtocols`; TLS"
                    + " stores and passwords come from the `tls.*` keys only.")
            .build();

    /** What the default configuration promises. */
    public static final Set<Capability> DEFAULT_CAPABILITIES = capabilities(true, 1024);

    /** Locator settings the provider relies on, which a pass-through key must not change. */
    private static final Set<String> MANAGED_LOCATOR_KEYS = Set.of("reconnectAttempts", "initialConnectAttempts",
            "failoverAttempts", "blockOnDurableSend", "blockOnNonDurableSend", "blockOnAcknowledge", "preAcknowledge",
            "autoGroup", "groupID", "callTimeout", "clientFailureCheckPeriod", "connectionTTL", "useTopologyForLoadBalancing",
            "useGlobalPools", "threadPoolMaxSize");
    /** Transport settings that have a key of their own. */
    private static final Set<String> MANAGED_TRANSPORT_KEYS = Set.of(TransportConstants.HOST_PROP_NAME,
            TransportConstants.PORT_PROP_NAME, TransportConstants.SSL_ENABLED_PROP_NAME,
            TransportConstants.NETTY_CONNECT_TIMEOUT);
    /** Transport settings of TLS that the {@code tls.*} keys replace. */
    private static final Set<String> TLS_TRANSPORT_KEYS = Set.of(TransportConstants.VERIFY_HOST_PROP_NAME,
            TransportConstants.TRUSTSTORE_PATH_PROP_NAME, TransportConstants.TRUSTSTORE_PASSWORD_PROP_NAME,
            TransportConstants.TRUSTSTORE_TYPE_PROP_NAME, TransportConstants.TRUSTSTORE_PROVIDER_PROP_NAME,
            TransportConstants.KEYSTORE_PATH_PROP_NAME, TransportConstants.KEYSTORE_PASSWORD_PROP_NAME,
            TransportConstants.KEYSTORE_TYPE_PROP_NAME, TransportConstants.KEYSTORE_PROVIDER_PROP_NAME,
            TransportConstants.KEYSTORE_ALIAS_PROP_NAME, TransportConstants.TRUST_ALL_PROP_NAME,
            TransportConstants.USE_DEFAULT_SSL_CONTEXT_PROP_NAME, TransportConstants.TRUST_MANAGER_FACTORY_PLUGIN_PROP_NAME,
            TransportConstants.SSL_PROVIDER, TransportConstants.CRL_PATH_PROP_NAME, "activemq.passwordcodec",
            "activemq.usemaskedpassword");
    private static final Setters LOCATOR_SETTERS = Setters.of(ServerLocator.class);
    /** Pass-through names are matched in any case: environment variables bring them lower-cased. */
    private static final Map<String, String> CANONICAL_KEYS = canonicalKeys();

    final String host;
    final int port;
    final String username;
    final Password password;
    final TlsSettings tls;
    final Duration connectionTimeout;
    final Duration callTimeout;
    final Duration heartbeat;
    final Duration recoveryInterval;
    final boolean autoCreate;
    final boolean deadLetterQueue;
    final boolean persistent;
    final int groupBuckets;
    final long maxMessageBytes;
    final Set<Capability> capabilities;
    private final Map<String, String> transportSettings = new TreeMap<>();
    private final Map<String, String> locatorSettings = new TreeMap<>();

    private ArtemisSettings(ProviderConfig config) {
        host = config.getString(HOST);
        port = config.getInt(PORT);
        username = config.findString(USERNAME).orElse(null);
        password = config.findPassword(PASSWORD).orElse(null);
        tls = TlsSettings.from(config);
        connectionTimeout = config.getDuration(CONNECTION_TIMEOUT);
        callTimeout = config.getDuration(CALL_TIMEOUT);
        heartbeat = config.getDuration(HEARTBEAT);
        recoveryInterval = config.getDuration(RECOVERY_INTERVAL);
        autoCreate = config.getBoolean(AUTO_CREATE);
        deadLetterQueue = config.getBoolean(DEAD_LETTER_QUEUE);
        persistent = config.getBoolean(PERSISTENT);
        groupBuckets = config.getInt(GROUP_BUCKETS);
        maxMessageBytes = config.getSize(MAX_MESSAGE_BYTES);
        capabilities = capabilities(persistent, groupBuckets);
        sortPassThrough(config.passThrough());
        if (tls.enabled()) {
            checkSslContextFactory();
        }
        // Fails now, naming the key, rather than at the first connection.
        locator().close();
    }

    /**
     * @throws ConfigException naming a pass-through key that is unknown, managed by the provider or has a bad value
     */
    public static ArtemisSettings from(ProviderConfig config) {
        return new ArtemisSettings(config);
    }

    static Set<Capability> capabilities(boolean persistent, int groupBuckets) {
        EnumSet<Capability> set = EnumSet.of(Capability.FANOUT, Capability.DEAD_LETTER, Capability.AT_LEAST_ONCE,
                Capability.PARTITIONED, Capability.DELAYED_REQUEUE);
        if (persistent) {
            set.add(Capability.DURABLE);
        }
        if (groupBuckets != 0) {
            set.add(Capability.ORDERED_BY_KEY);
        }
        return Set.copyOf(set);
    }

    /** {@code host:port}, for messages. */
    String address() {
        return host + ":" + port;
    }

    /**
     * A new locator: one connection per session factory it creates, no automatic reconnection (producers and
     * consumers reconnect themselves, so that a lost connection fails exactly what it took with it), asynchronous
     * send acknowledgements.
     */
    ServerLocator locator() {
        Map<String, Object> transport = new HashMap<>();
        transport.put(TransportConstants.HOST_PROP_NAME, host);
        transport.put(TransportConstants.PORT_PROP_NAME, port);
        transport.put(TransportConstants.NETTY_CONNECT_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, connectionTimeout.toMillis()));
        if (tls.enabled()) {
            transport.put(TransportConstants.SSL_ENABLED_PROP_NAME, true);
            transport.put(TransportConstants.VERIFY_HOST_PROP_NAME, tls.verifyHostname());
            transport.put(PolybusSslContextFactory.CONTEXT, tls.sslContext());
        }
        transport.putAll(transportSettings);
        ServerLocator locator = ActiveMQClient.createServerLocatorWithoutHA(
                new TransportConfiguration(NettyConnectorFactory.class.getName(), transport));
        locator.setReconnectAttempts(0);
        locator.setInitialConnectAttempts(1);
        locator.setFailoverAttempts(0);
        locator.setBlockOnDurableSend(false);
        locator.setBlockOnNonDurableSend(false);
        locator.setBlockOnAcknowledge(false);
        locator.setPreAcknowledge(false);
        // A consumer whose prefetch is full waits on its session thread: threads of the locator's own, as many as
        // there are consumers, so that waiting consumers never take the threads others deliver on.
        locator.setUseGlobalPools(false);
        locator.setThreadPoolMaxSize(-1);
        locator.setConfirmationWindowSize(DEFAULT_CONFIRMATION_WINDOW);
        locator.setCallTimeout(callTimeout.toMillis());
        locator.setClientFailureCheckPeriod(heartbeat.toMillis());
        locator.setConnectionTTL(heartbeat.toMillis() * 3);
        List<ConfigException.Problem> problems = new ArrayList<>(
                LOCATOR_SETTERS.apply(locator, locatorSettings, PASS_THROUGH, ArtemisSettings::secret));
        if (locator.getConfirmationWindowSize() <= 0) {
            problems.add(new ConfigException.Problem(PASS_THROUGH + "confirmationWindowSize",
                    Integer.toString(locator.getConfirmationWindowSize()),
                    "a positive size: sends are acknowledged asynchronously through the confirmation window"));
        }
        if (!problems.isEmpty()) {
            locator.close();
            throw new ConfigException(problems);
        }
        return locator;
    }

    private void sortPassThrough(Map<String, String> settings) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        settings.forEach((given, value) -> {
            String shown = secret(given) ? "[hidden]" : value;
            String key = CANONICAL_KEYS.getOrDefault(given.toLowerCase(Locale.ROOT), given);
            if (TLS_TRANSPORT_KEYS.contains(key)) {
                problems.add(new ConfigException.Problem(PASS_THROUGH + given, shown,
                        "no value: TLS takes the tls.* keys (tls.ca-file, tls.trust-store, tls.cert-file, tls.key-file,"
                                + " tls.key-store, tls.verify-hostname)"));
            } else if (MANAGED_LOCATOR_KEYS.contains(key) || MANAGED_TRANSPORT_KEYS.contains(key)) {
                problems.add(new ConfigException.Problem(PASS_THROUGH + given, shown,
                        "no value: the provider sets it (see the keys of broker 'artemis')"));
            } else if (LOCATOR_SETTERS.has(key)) {
                locatorSettings.put(key, value);
            } else if (TransportConstants.ALLOWABLE_CONNECTOR_KEYS.contains(key)) {
                transportSettings.put(key, value);
            } else {
                problems.add(new ConfigException.Problem(PASS_THROUGH + given, shown,
                        "a core client URL parameter of the server locator or the Netty connector"));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /**
     * The core client takes the {@link SSLContextFactory} of the highest priority in the JVM: when another jar's
     * outranks Polybus's, the {@code tls.*} keys would be ignored, so TLS is refused rather than silently weaker.
     */
    private static void checkSslContextFactory() {
        SSLContextFactory chosen = SSLContextFactoryProvider.getSSLContextFactory();
        if (!(chosen instanceof PolybusSslContextFactory)) {
            throw new ConfigException(TlsSettings.ENABLED, "true", "a JVM where the Artemis client builds TLS contexts"
                    + " with Polybus's PolybusSslContextFactory; " + chosen.getClass().getName() + " (priority "
                    + chosen.getPriority() + ") outranks it and would ignore the tls.* keys");
        }
    }

    private static boolean secret(String key) {
        return key.toLowerCase(Locale.ROOT).contains("password");
    }

    private static Map<String, String> canonicalKeys() {
        Map<String, String> keys = new HashMap<>();
        TransportConstants.ALLOWABLE_CONNECTOR_KEYS.forEach(k -> keys.put(k.toLowerCase(Locale.ROOT), k));
        LOCATOR_SETTERS.names().forEach(k -> keys.put(k.toLowerCase(Locale.ROOT), k));
        MANAGED_LOCATOR_KEYS.forEach(k -> keys.put(k.toLowerCase(Locale.ROOT), k));
        return Map.copyOf(keys);
    }

}
