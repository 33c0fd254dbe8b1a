package io.polybus.rocketmq.internal;

import io.polybus.Capability;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.Setters;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.remoting.RPCHook;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configuration keys of the {@code rocketmq} provider and their parsed values. Applies the {@code rocketmq.*}
 * pass-through settings to the client's producers and push consumers.
 */
public final class RocketMqSettings {
    public static final String TYPE = "rocketmq";

    static final String NAME_SERVER = "name-server";
    static final String QUEUES = "queues";
    static final String SEND_TIMEOUT = "send-timeout";
    static final String MAX_IN_FLIGHT = "max-in-flight";
    static final String CALL_TIMEOUT = "call-timeout";
    static final String AUTO_CREATE = "auto-create";
    static final String MAX_MESSAGE_BYTES = "max-message-bytes";
    static final String ACCESS_KEY = "access-key";
    static final String SECRET_KEY = "secret-key";
    static final String TLS = "tls";
    static final String TIMER_PRECISION = "timer-precision";
    static final String PASS_THROUGH = "rocketmq.";
    /** Why TLS is refused, for the {@code tls} key and the client's own {@code useTLS}. */
    static final String NO_TLS = "false: the RocketMQ 5.3 client takes its TLS trust and keys only from JVM-wide"
            + " system properties (tls.client.*), which Polybus does not set, and it does not check the server's host"
            + " name (see docs/rocketmq.md)";

    public static final ConfigDef CONFIG = ConfigDef.builder(TYPE)
            .define(NAME_SERVER, Type.STRING, "127.0.0.1:9876", ConfigDef.nonEmpty(),
                    "Name server address `host:port`; several separated by `;`.")
            .define(QUEUES, Type.INT, "4", ConfigDef.between(1, 1024),
                    "Queues of a topic that Polybus creates: the most members of one group that receive messages at"
                            + " once (a queue is consumed by one member at a time, in order).")
            .define(SEND_TIMEOUT, Type.DURATION, "3s", ConfigDef.atLeast(Duration.ofMillis(100)),
                    "How long the client waits for the broker to answer a send (the client retries a failed"
                            + " asynchronous send twice within it).")
            .define(MAX_IN_FLIGHT, Type.INT, "1000", ConfigDef.between(1, 50_000),
                    "Sends a producer has unanswered, at most; past it `send` applies the producer's backpressure, as"
                            + " for its maxInFlightBytes. Longer queues turn into errors: the client counts `send-timeout`"
                            + " from the call (and queues at most 50,000 sends), the broker refuses a send that waited in"
                            + " its queue longer than its waitTimeMillsInSendQueue (200 ms).")
            .define(CALL_TIMEOUT, Type.DURATION, "5s", ConfigDef.atLeast(Duration.ofMillis(100)),
                    "How long a call to the name server or the broker at subscribe waits (routes, offsets, creating a"
                            + " topic); also how long subscribe waits for the member to get its share of the group's queues"
                            + " and for those with a backlog to start delivering.")
            .define(AUTO_CREATE, Type.BOOLEAN, "true",
                    "At subscribe, create a missing topic (and its dead-letter topic) with `queues` queues; sends rely"
                            + " on the broker's own autoCreateTopicEnable. When false the topics must exist.")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, "4MiB", ConfigDef.between(1024, 1024L * 1024 * 1024),
                    "Largest message (key + payload + headers) `send` accepts: keep it at most the broker's"
                            + " maxMessageSize (4 MiB unless the broker's configuration raises it).")
            .define(ACCESS_KEY, Type.STRING, null,
                    "Access key (the user name of the broker's ACL) that signs every request to the brokers; with"
                            + " `secret-key`.")
            .define(SECRET_KEY, Type.PASSWORD, null,
                    "Secret key of `access-key`: it signs requests (HMAC) and never travels or appears in logs. Use"
                            + " `${NAME}` or `${file:/path}`.")
            .define(TLS, Type.BOOLEAN, "false",
                    "Not supported: `true` fails at open. The RocketMQ 5.3 client takes TLS trust and keys only from"
                            + " JVM-wide system properties and does not check the server's host name.")
            .define(TIMER_PRECISION, Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "The broker's timerPrecisionMs (1 s unless its configuration changes it). The broker rounds the"
                            + " delivery time of a timer message down to it, so a delayed requeue asks for the delay plus"
                            + " this much, and is never delivered early.")
            .passThrough(PASS_THROUGH, "Any setting of the client's DefaultMQProducer or DefaultMQPushConsumer by its"
                    + " setter name, e.g. `rocketmq.compressMsgBodyOverHowmuch`, `rocketmq.pullBatchSize` or"
                    + " `rocketmq.vipChannelEnabled`; each goes to the clients that have it.")
            .build();

    /**
     * What RocketMQ keeps, named one by one so that a capability added to the contract is not declared unproven.
     * DELAYED_REQUEUE with timer messages (the broker's timerWheelEnable, on by default in 5.x).
     */
    public static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(Capability.FANOUT, Capability.DURABLE,
            Capability.REPLAY, Capability.ORDERED_BY_KEY, Capability.DEAD_LETTER, Capability.PARTITIONED,
            Capability.AT_LEAST_ONCE, Capability.DELAYED_REQUEUE));

    /** Client settings the provider sets itself, which a pass-through key must not change. */
    private static final Set<String> MANAGED = Set.of("namesrvAddr", "instanceName", "producerGroup", "consumerGroup",
            "messageModel", "consumeFromWhere", "consumeTimestamp", "messageListener", "sendMsgTimeout",
            "maxMessageSize", "consumeThreadMin", "consumeThreadMax", "consumeMessageBatchMaxSize",
            "pullThresholdForTopic", "pullThresholdForQueue", "maxReconsumeTimes", "defaultTopicQueueNums", "namespace", "namespaceV2",
            "subscription", "allocateMessageQueueStrategy", "offsetStore", "createTopicKey", "clientCallbackExecutorThreads");
    private static final Setters PRODUCER_SETTERS = Setters.of(DefaultMQProducer.class);
    private static final Setters CONSUMER_SETTERS = Setters.of(DefaultMQPushConsumer.class);

    final String nameServer;
    final int queues;
    final Duration sendTimeout;
    final int maxInFlight;
    final Duration callTimeout;
    final Duration timerPrecision;
    final boolean autoCreate;
    final long maxMessageBytes;
    /** Signs requests with the ACL credentials; null without them. */
    final RPCHook credentials;
    final String accessKey;
    /** Pass-through settings by setter name. */
    private final Map<String, String> clientSettings = new TreeMap<>();

    private RocketMqSettings(ProviderConfig config) {
        nameServer = config.getString(NAME_SERVER);
        queues = config.getInt(QUEUES);
        sendTimeout = config.getDuration(SEND_TIMEOUT);
        maxInFlight = config.getInt(MAX_IN_FLIGHT);
        callTimeout = config.getDuration(CALL_TIMEOUT);
        timerPrecision = config.getDuration(TIMER_PRECISION);
        autoCreate = config.getBoolean(AUTO_CREATE);
        maxMessageBytes = config.getSize(MAX_MESSAGE_BYTES);
        if (config.getBoolean(TLS)) {
            throw new ConfigException(TLS, "true", NO_TLS);
        }
        accessKey = config.findString(ACCESS_KEY).orElse(null);
        Optional<Password> secretKey = config.findPassword(SECRET_KEY);
        if ((accessKey == null) != secretKey.isEmpty()) {
            throw new ConfigException(accessKey == null ? ACCESS_KEY : SECRET_KEY, null,
                    "a value: access-key and secret-key go together");
        }
        credentials = accessKey == null ? null
                : new AclClientRPCHook(new SessionCredentials(accessKey, secretKey.get().value()));
        sortPassThrough(config.passThrough());
        // Fails now, naming the key, rather than at the first producer or consumer.
        apply(new DefaultMQProducer());
        apply(new DefaultMQPushConsumer());
    }

    /**
     * @throws ConfigException naming a pass-through key that is unknown, managed by the provider or has a bad value
     */
    public static RocketMqSettings from(ProviderConfig config) {
        return new RocketMqSettings(config);
    }

    /** Applies the pass-through settings that {@code client} has a setter for. */
    void apply(ClientConfig client) {
        Setters setters = client instanceof DefaultMQProducer ? PRODUCER_SETTERS : CONSUMER_SETTERS;
        List<ConfigException.Problem> problems = setters.apply(client, clientSettings, PASS_THROUGH, RocketMqSettings::secret);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private void sortPassThrough(Map<String, String> settings) {
        Map<String, String> canonical = new HashMap<>();
        PRODUCER_SETTERS.names().forEach(k -> canonical.put(k.toLowerCase(Locale.ROOT), k));
        CONSUMER_SETTERS.names().forEach(k -> canonical.put(k.toLowerCase(Locale.ROOT), k));
        MANAGED.forEach(k -> canonical.put(k.toLowerCase(Locale.ROOT), k));
        List<ConfigException.Problem> problems = new ArrayList<>();
        settings.forEach((given, value) -> {
            String shown = secret(given) ? "[hidden]" : value;
            // Environment variables bring names lower-cased.
            String key = canonical.getOrDefault(given.toLowerCase(Locale.ROOT), given);
            if (key.equals("useTLS")) {
                problems.add(new ConfigException.Problem(PASS_THROUGH + given, shown, NO_TLS));
            } else if (MANAGED.contains(key)) {
                problems.add(new ConfigException.Problem(PASS_THROUGH + given, shown,
                        "no value: the provider sets it (see the keys of broker 'rocketmq')"));
            } else if (PRODUCER_SETTERS.has(key) || CONSUMER_SETTERS.has(key)) {
                clientSettings.put(key, value);
            } else {
                problems.add(new ConfigException.Problem(PASS_THROUGH + given, shown,
                        "a setting of RocketMQ's DefaultMQProducer or DefaultMQPushConsumer (a setter's name)"));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private static boolean secret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("secret") || k.contains("password") || k.contains("key");
    }

}
