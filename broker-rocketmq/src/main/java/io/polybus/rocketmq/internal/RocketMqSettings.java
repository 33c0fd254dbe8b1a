package io.polybus.rocketmq.internal;

import io.polybus.Capability;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
    static final String PASS_THROUGH = "rocketmq.";

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
                            + " topic); also how long subscribe waits for the queues with a backlog to start delivering.")
            .define(AUTO_CREATE, Type.BOOLEAN, "true",
                    "At subscribe, create a missing topic (and its dead-letter topic) with `queues` queues; sends rely"
                            + " on the broker's own autoCreateTopicEnable. When false the topics must exist.")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, "4MiB", ConfigDef.between(1024, 1024L * 1024 * 1024),
                    "Largest message (key + payload + headers) `send` accepts: keep it at most the broker's"
                            + " maxMessageSize (4 MiB unless the broker's configuration raises it).")
            .passThrough(PASS_THROUGH, "Any setting of the client's DefaultMQProducer or DefaultMQPushConsumer by its"
                    + " setter name, e.g. `rocketmq.compressMsgBodyOverHowmuch`, `rocketmq.pullBatchSize` or"
                    + " `rocketmq.vipChannelEnabled`; each goes to the clients that have it.")
            .build();

    /**
     * What RocketMQ keeps, named one by one so that a capability added to the contract is not declared unproven:
     * not yet DELAYED_REQUEUE (its delay levels or timer messages could keep it).
     */
    public static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(Capability.FANOUT, Capability.DURABLE,
            Capability.REPLAY, Capability.ORDERED_BY_KEY, Capability.DEAD_LETTER, Capability.PARTITIONED,
            Capability.AT_LEAST_ONCE));

    /** Client settings the provider sets itself, which a pass-through key must not change. */
    private static final Set<String> MANAGED = Set.of("namesrvAddr", "instanceName", "producerGroup", "consumerGroup",
            "messageModel", "consumeFromWhere", "consumeTimestamp", "messageListener", "sendMsgTimeout",
            "maxMessageSize", "consumeThreadMin", "consumeThreadMax", "consumeMessageBatchMaxSize",
            "pullThresholdForTopic", "pullThresholdForQueue", "maxReconsumeTimes", "defaultTopicQueueNums", "namespace", "namespaceV2",
            "subscription", "allocateMessageQueueStrategy", "offsetStore", "createTopicKey", "clientCallbackExecutorThreads");
    private static final Map<String, Method> PRODUCER_SETTERS = setters(DefaultMQProducer.class);
    private static final Map<String, Method> CONSUMER_SETTERS = setters(DefaultMQPushConsumer.class);

    final String nameServer;
    final int queues;
    final Duration sendTimeout;
    final int maxInFlight;
    final Duration callTimeout;
    final boolean autoCreate;
    final long maxMessageBytes;
    /** Pass-through settings by setter name. */
    private final Map<String, String> clientSettings = new TreeMap<>();

    private RocketMqSettings(ProviderConfig config) {
        nameServer = config.getString(NAME_SERVER);
        queues = config.getInt(QUEUES);
        sendTimeout = config.getDuration(SEND_TIMEOUT);
        maxInFlight = config.getInt(MAX_IN_FLIGHT);
        callTimeout = config.getDuration(CALL_TIMEOUT);
        autoCreate = config.getBoolean(AUTO_CREATE);
        maxMessageBytes = config.getSize(MAX_MESSAGE_BYTES);
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
        Map<String, Method> setters = client instanceof DefaultMQProducer ? PRODUCER_SETTERS : CONSUMER_SETTERS;
        List<ConfigException.Problem> problems = new ArrayList<>();
        clientSettings.forEach((key, value) -> {
            Method setter = setters.get(key);
            if (setter == null) {
                return;
            }
            try {
                setter.invoke(client, convert(setter.getParameterTypes()[0], value));
            } catch (IllegalArgumentException | IllegalAccessException | InvocationTargetException e) {
                problems.add(new ConfigException.Problem(PASS_THROUGH + key, secret(key) ? "[hidden]" : value,
                        "expected " + accepted(setter.getParameterTypes()[0])));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private void sortPassThrough(Map<String, String> settings) {
        Map<String, String> canonical = new HashMap<>();
        PRODUCER_SETTERS.keySet().forEach(k -> canonical.put(k.toLowerCase(Locale.ROOT), k));
        CONSUMER_SETTERS.keySet().forEach(k -> canonical.put(k.toLowerCase(Locale.ROOT), k));
        MANAGED.forEach(k -> canonical.put(k.toLowerCase(Locale.ROOT), k));
        List<ConfigException.Problem> problems = new ArrayList<>();
        settings.forEach((given, value) -> {
            String shown = secret(given) ? "[hidden]" : value;
            // Environment variables bring names lower-cased.
            String key = canonical.getOrDefault(given.toLowerCase(Locale.ROOT), given);
            if (MANAGED.contains(key)) {
                problems.add(new ConfigException.Problem(PASS_THROUGH + given, shown,
                        "no value: the provider sets it (see the keys of broker 'rocketmq')"));
            } else if (PRODUCER_SETTERS.containsKey(key) || CONSUMER_SETTERS.containsKey(key)) {
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

    private static Map<String, Method> setters(Class<?> type) {
        Map<String, Method> setters = new HashMap<>();
        for (Method m : type.getMethods()) {
            if (m.getName().startsWith("set") && m.getName().length() > 3 && m.getParameterCount() == 1
                    && accepted(m.getParameterTypes()[0]) != null) {
                setters.put(Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4), m);
            }
        }
        return Map.copyOf(setters);
    }

    private static String accepted(Class<?> type) {
        if (type == int.class || type == long.class) {
            return "a whole number";
        }
        if (type == boolean.class) {
            return "true or false";
        }
        return type == String.class ? "a string" : null;
    }

    private static Object convert(Class<?> type, String value) {
        String v = value.trim();
        if (type == int.class) {
            return Integer.parseInt(v);
        }
        if (type == long.class) {
            return Long.parseLong(v);
        }
        if (type == boolean.class) {
            return ConfigDef.parseBoolean(v);
        }
        return value;
    }
}
