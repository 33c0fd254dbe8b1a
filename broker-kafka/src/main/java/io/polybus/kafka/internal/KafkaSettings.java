package io.polybus.kafka.internal;

import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code kafka} configuration keys and how they become kafka-clients properties. Pass-through
 * {@code kafka.*} keys are checked against the producer, consumer and admin definitions of kafka-clients, so
 * a typo or a bad value fails at open naming the key. Secrets stay in {@link Password}s until they are handed
 * to kafka-clients, which masks them in its own logs.
 */
public final class KafkaSettings {
    public static final String TYPE = "kafka";

    static final String BOOTSTRAP_SERVERS = "bootstrap-servers";
    static final String CLIENT_ID = "client-id";
    static final String SECURITY_PROTOCOL = "security-protocol";
    static final String SASL_MECHANISM = "sasl-mechanism";
    static final String SASL_USERNAME = "sasl-username";
    static final String SASL_PASSWORD = "sasl-password";
    static final String CREATE_TOPICS = "create-topics";
    static final String PARTITIONS = "partitions";
    static final String REPLICATION_FACTOR = "replication-factor";
    static final String MAX_MESSAGE_BYTES = "max-message-bytes";
    static final String LINGER = "linger";
    static final String BATCH_SIZE = "batch-size";
    static final String COMPRESSION = "compression";
    static final String CONNECT_TIMEOUT = "connect-timeout";
    static final String SUBSCRIBE_TIMEOUT = "subscribe-timeout";
    static final String COMMIT_INTERVAL = "commit-interval";
    static final String PASS_THROUGH = "kafka.";

    /**
     * Room for what Kafka adds to a message on the wire (record and batch headers, varints, the message id and
     * attempt headers, header values longer in UTF-8 than in chars) on top of {@code max-message-bytes}.
     */
    static final int WIRE_OVERHEAD = 64 * 1024;

    /** kafka-clients TLS settings that the {@code tls.*} keys own. */
    private static final Set<String> TLS_OWNED = Set.of(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG,
            SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG,
            SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG, SslConfigs.SSL_KEYSTORE_TYPE_CONFIG,
            SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG,
            SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, SslConfigs.SSL_KEYSTORE_KEY_CONFIG,
            SslConfigs.SSL_KEY_PASSWORD_CONFIG, SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG);

    /** Settings the provider owns: overriding them would break the contract or the client. */
    private static final Set<String> RESERVED = Set.of(ConsumerConfig.GROUP_ID_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    public static final ConfigDef CONFIG = ConfigDef.builder(TYPE)
            .define(BOOTSTRAP_SERVERS, Type.LIST, "localhost:9092", ConfigDef.nonEmpty(),
                    "Kafka brokers to connect to first, as host:port pairs.")
            .define(CLIENT_ID, Type.STRING, "polybus", ConfigDef.nonEmpty(),
                    "Prefix of the client.id of every Kafka client opened (shows in broker logs and quotas).")
            .define(SECURITY_PROTOCOL, Type.STRING, "PLAINTEXT",
                    ConfigDef.oneOf("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"),
                    "How to talk to the brokers: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL; SSL and SASL_SSL"
                            + " take the `tls.*` keys.")
            .define(SASL_MECHANISM, Type.STRING, "PLAIN", ConfigDef.oneOf("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
                    "SASL mechanism when the protocol is SASL_*: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.")
            .define(SASL_USERNAME, Type.STRING, null, "SASL user name; with sasl-password builds sasl.jaas.config.")
            .define(SASL_PASSWORD, Type.PASSWORD, null, "SASL password. Never logged.")
            .include(TlsSettings::defineStores)
            .define(CREATE_TOPICS, Type.BOOLEAN, "true",
                    "Create topics (and each group's retry and delay topics) on first use; when false they must exist.")
            .define(PARTITIONS, Type.INT, "3", ConfigDef.between(1, 100_000),
                    "Partitions of the topics it creates: the most consumers of one group that get messages.")
            .define(REPLICATION_FACTOR, Type.INT, "-1", replicationFactorValidator(),
                    "Replicas of the topics it creates; -1 takes the broker's default.replication.factor.")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, "2MiB", ConfigDef.between(1024, 512L * 1024 * 1024),
                    "Largest message (key + payload + headers); larger ones fail at send. Sets the producer's "
                            + "max.request.size and the max.message.bytes of topics it creates (both with "
                            + WIRE_OVERHEAD / 1024 + " KiB for record overhead).")
            .define(LINGER, Type.DURATION, "5ms", "How long the producer waits to fill a batch (linger.ms).")
            .define(BATCH_SIZE, Type.SIZE, "64KiB", ConfigDef.between(1, Integer.MAX_VALUE),
                    "Bytes per partition batch (batch.size).")
            .define(COMPRESSION, Type.STRING, "none", ConfigDef.oneOf("none", "gzip", "snappy", "lz4", "zstd"),
                    "Batch compression (compression.type).")
            .define(CONNECT_TIMEOUT, Type.DURATION, "15s", ConfigDef.atLeast(Duration.ofMillis(100)),
                    "How long open and topic administration wait for the cluster before failing as unavailable.")
            .define(SUBSCRIBE_TIMEOUT, Type.DURATION, "60s", ConfigDef.atLeast(Duration.ofMillis(100)),
                    "How long subscribe waits for the group to assign partitions and record its start positions.")
            .define(COMMIT_INTERVAL, Type.DURATION, "200ms", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How often a consumer commits acknowledged offsets (also on rebalance and close).")
            .passThrough(PASS_THROUGH, "Any kafka-clients producer, consumer or admin property, e.g. "
                    + "`kafka.delivery.timeout.ms`; applied after the keys above (group.id, enable.auto.commit, "
                    + "serializers and transactional.id are reserved).")
            .build();

    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final ProviderConfig config;
    private final TlsSettings tls;
    private final Map<String, Object> common;

    /**
     * @throws ConfigException naming a bad pass-through key, or a {@code tls.*} file or password that cannot be used
     */
    public KafkaSettings(ProviderConfig config) {
        this.config = config;
        checkPassThrough(config.passThrough());
        String protocol = config.getString(SECURITY_PROTOCOL).toUpperCase(Locale.ROOT);
        this.tls = TlsSettings.from(config, protocol.endsWith("SSL"), SECURITY_PROTOCOL + " SSL or SASL_SSL");
        this.common = commonProperties();
    }

    public static String clientVersion() {
        return AppInfoParser.getVersion();
    }

    private static ConfigDef.Validator replicationFactorValidator() {
        return v -> {
            int n = (Integer) v;
            return n == -1 || (n >= 1 && n <= Short.MAX_VALUE) ? null : "-1 (broker default) or a value from 1 to "
                    + Short.MAX_VALUE;
        };
    }

    /** Rejects pass-through keys kafka-clients does not know, reserved ones and values of the wrong type. */
    private static void checkPassThrough(Map<String, String> passThrough) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        List<org.apache.kafka.common.config.ConfigDef> defs = List.of(ProducerConfig.configDef(),
                ConsumerConfig.configDef(), AdminClientConfig.configDef());
        passThrough.forEach((name, value) -> {
            String key = PASS_THROUGH + name;
            if (RESERVED.contains(name)) {
                problems.add(new ConfigException.Problem(key, null, "set by Polybus and cannot be overridden"));
                return;
            }
            if (TLS_OWNED.contains(name)) {
                problems.add(new ConfigException.Problem(key, null, "TLS is configured with the tls.* keys (tls.ca-file,"
                        + " tls.trust-store, tls.cert-file, tls.key-file, tls.key-store, tls.verify-hostname)"));
                return;
            }
            org.apache.kafka.common.config.ConfigDef.ConfigKey known = defs.stream()
                    .map(d -> d.configKeys().get(name)).filter(k -> k != null).findFirst().orElse(null);
            if (known == null) {
                problems.add(new ConfigException.Problem(key, null,
                        "not a kafka-clients producer, consumer or admin property"));
                return;
            }
            boolean secret = known.type == org.apache.kafka.common.config.ConfigDef.Type.PASSWORD;
            try {
                Object parsed = org.apache.kafka.common.config.ConfigDef.parseType(name, value, known.type);
                if (known.validator != null) {
                    known.validator.ensureValid(name, parsed);
                }
            } catch (org.apache.kafka.common.config.ConfigException e) {
                problems.add(new ConfigException.Problem(key, secret ? "[hidden]" : value,
                        "expected a value of type " + known.type.name().toLowerCase(Locale.ROOT)
                                + (known.validator == null ? "" : " (" + known.validator + ")")));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private Map<String, Object> commonProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", bootstrapServers()));
        String protocol = config.getString(SECURITY_PROTOCOL).toUpperCase(Locale.ROOT);
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        if (protocol.startsWith("SASL_")) {
            String mechanism = config.getString(SASL_MECHANISM).toUpperCase(Locale.ROOT);
            p.put(SaslConfigs.SASL_MECHANISM, mechanism);
            config.findString(SASL_USERNAME).ifPresent(user -> {
                String password = config.findPassword(SASL_PASSWORD).map(Password::value).orElse("");
                String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                        : "org.apache.kafka.common.security.scram.ScramLoginModule";
                p.put(SaslConfigs.SASL_JAAS_CONFIG, new org.apache.kafka.common.config.types.Password(module
                        + " required username=\"" + jaasEscape(user) + "\" password=\"" + jaasEscape(password) + "\";"));
            });
        }
        if (tls.enabled()) {
            putTls(p);
        }
        return p;
    }

    /**
     * The {@code tls.*} keys as kafka-clients settings. A PEM key goes over as text, decrypted and re-encoded as
     * plain PKCS#8 inside a masked {@link org.apache.kafka.common.config.types.Password}: kafka-clients asks Java
     * for the cipher by the name "PBES2", which Java 17 does not know, so it cannot read the keys OpenSSL 3 encrypts.
     */
    private void putTls(Map<String, Object> p) {
        tls.caFile().ifPresent(ca -> {
            p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
            p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, ca.toString());
        });
        tls.trustStore().ifPresent(store -> {
            p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
            p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, store.toString());
            tls.trustStorePassword().ifPresent(pw -> p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, kafkaPassword(pw)));
        });
        tls.privateKeyPem().ifPresent(key -> {
            p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM");
            p.put(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, tls.certificateChainPem());
            p.put(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, kafkaPassword(key));
        });
        tls.keyStore().ifPresent(store -> {
            p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
            p.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, store.toString());
            tls.keyStorePassword().ifPresent(pw -> p.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, kafkaPassword(pw)));
            tls.keyPassword().ifPresent(pw -> p.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, kafkaPassword(pw)));
        });
        if (!tls.verifyHostname()) {
            p.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "");
        }
    }

    private static org.apache.kafka.common.config.types.Password kafkaPassword(Password password) {
        return new org.apache.kafka.common.config.types.Password(password.value());
    }

    TlsSettings tls() {
        return tls;
    }

    boolean sasl() {
        return config.getString(SECURITY_PROTOCOL).toUpperCase(Locale.ROOT).startsWith("SASL_");
    }

    String saslMechanism() {
        return config.getString(SASL_MECHANISM).toUpperCase(Locale.ROOT);
    }

    private static String jaasEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    List<String> bootstrapServers() {
        return config.getList(BOOTSTRAP_SERVERS);
    }

    /** The bootstrap servers as one string, for error messages. */
    String servers() {
        return String.join(",", bootstrapServers());
    }

    boolean createTopics() {
        return config.getBoolean(CREATE_TOPICS);
    }

    int partitions() {
        return config.getInt(PARTITIONS);
    }

    int replicationFactor() {
        return config.getInt(REPLICATION_FACTOR);
    }

    long maxMessageBytes() {
        return config.getSize(MAX_MESSAGE_BYTES);
    }

    /** The producer's max.request.size and the topics' max.message.bytes. */
    int maxRecordBytes() {
        return (int) (maxMessageBytes() + WIRE_OVERHEAD);
    }

    Duration connectTimeout() {
        return config.getDuration(CONNECT_TIMEOUT);
    }

    Duration subscribeTimeout() {
        return config.getDuration(SUBSCRIBE_TIMEOUT);
    }

    Duration commitInterval() {
        return config.getDuration(COMMIT_INTERVAL);
    }

    private String clientId(String role) {
        return config.getString(CLIENT_ID) + "-" + role + "-" + CLIENTS.incrementAndGet();
    }

    Map<String, Object> admin() {
        Map<String, Object> p = new HashMap<>(common);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId("admin"));
        int timeout = (int) Math.min(Integer.MAX_VALUE, connectTimeout().toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        return withPassThrough(p, AdminClientConfig.configNames());
    }

    /**
     * A producer keeping the contract: acks from all in-sync replicas, idempotence (no duplicates or
     * reordering from retries), the record size limit derived from max-message-bytes.
     *
     * @param bufferBytes buffer.memory: the bytes the producer may hold
     * @param maxBlock    max.block.ms: how long send waits for buffer room or metadata
     */
    Map<String, Object> producer(long bufferBytes, Duration maxBlock) {
        Map<String, Object> p = new HashMap<>(common);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId("producer"));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, config.getDuration(LINGER).toMillis()));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, (int) config.getSize(BATCH_SIZE));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.getString(COMPRESSION).toLowerCase(Locale.ROOT));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRecordBytes());
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, bufferBytes);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, maxBlock.toMillis());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return withPassThrough(p, ProducerConfig.configNames());
    }

    /** A consumer of {@code group} that never commits by itself. */
    Map<String, Object> consumer(String group, boolean earliest, int maxPollRecords) {
        Map<String, Object> p = new HashMap<>(common);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId("consumer"));
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, earliest ? "earliest" : "latest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return withPassThrough(p, ConsumerConfig.configNames());
    }

    private Map<String, Object> withPassThrough(Map<String, Object> p, Set<String> accepted) {
        config.passThrough().forEach((k, v) -> {
            if (accepted.contains(k)) {
                p.put(k, v);
            }
        });
        return p;
    }
}
