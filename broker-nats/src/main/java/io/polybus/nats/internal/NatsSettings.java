package io.polybus.nats.internal;

import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The parsed configuration of one NATS broker. Immutable. */
public record NatsSettings(List<String> servers, Optional<String> user, Optional<Password> password,
                           Optional<Password> token, Optional<Password> nkeySeed, Optional<String> credentialsFile,
                           TlsSettings tls, Duration connectTimeout, Duration requestTimeout, Duration reconnectWait,
                           long reconnectBufferBytes, Optional<String> connectionName, String streamPrefix,
                           String subjectPrefix, Storage storage, Retention retention, long streamMaxBytes,
                           Duration streamMaxAge, long streamMaxMessages, int replicas, boolean discardNew,
                           Optional<Long> maxMessageBytes, Duration ackWait, Duration requeueDelay, Duration pollTimeout,
                           int fetchBatch, int maxAckPending, int maxPending) {

    /** Where a stream keeps its messages. */
    public enum Storage { FILE, MEMORY }

    /** When a stream lets a message go. */
    public enum Retention { LIMITS, INTEREST }

    static final String SERVERS = "servers";
    static final String USER = "user";
    static final String PASSWORD = "password";
    static final String TOKEN = "token";
    static final String NKEY_SEED = "nkey-seed";
    static final String CREDENTIALS_FILE = "credentials-file";
    static final String CONNECT_TIMEOUT = "connect-timeout";
    static final String REQUEST_TIMEOUT = "request-timeout";
    static final String RECONNECT_WAIT = "reconnect-wait";
    static final String RECONNECT_BUFFER = "reconnect-buffer";
    static final String CONNECTION_NAME = "connection-name";
    static final String STREAM_PREFIX = "stream-prefix";
    static final String SUBJECT_PREFIX = "subject-prefix";
    static final String STORAGE = "stream.storage";
    static final String RETENTION = "stream.retention";
    static final String MAX_BYTES = "stream.max-bytes";
    static final String MAX_AGE = "stream.max-age";
    static final String MAX_MESSAGES = "stream.max-messages";
    static final String REPLICAS = "stream.replicas";
    static final String DISCARD = "stream.discard";
    static final String MAX_MESSAGE_BYTES = "max-message-bytes";
    static final String ACK_WAIT = "ack-wait";
    static final String REQUEUE_DELAY = "requeue-delay";
    static final String POLL_TIMEOUT = "poll-timeout";
    static final String FETCH_BATCH = "consumer.fetch-batch";
    static final String MAX_ACK_PENDING = "consumer.max-ack-pending";
    static final String MAX_PENDING = "producer.max-pending";

    public static final ConfigDef DEFINITION = ConfigDef.builder("nats")
            .define(SERVERS, Type.LIST, "nats://127.0.0.1:4222", ConfigDef.nonEmpty(),
                    "NATS servers, `nats://host:port` (or `tls://host:port`), comma-separated; the client tries them in turn "
                            + "and reconnects to any of them.")
            .define(USER, Type.STRING, null, "User name; with `password`.")
            .define(PASSWORD, Type.PASSWORD, null, "Password of `user`; never logged. Use `${NAME}` or `${file:/path}`.")
            .define(TOKEN, Type.PASSWORD, null, "Authentication token; never logged. Use `${NAME}` or `${file:/path}`.")
            .define(NKEY_SEED, Type.PASSWORD, null,
                    "NKey seed (`SU...`) to sign the server's challenge with; never logged. Use `${NAME}` or `${file:/path}`.")
            .define(CREDENTIALS_FILE, Type.STRING, null,
                    "Path of a `.creds` file (user JWT and NKey seed), as `nsc` writes it, for decentralized authentication.")
            .include(TlsSettings::define)
            .define(CONNECT_TIMEOUT, Type.DURATION, "2s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long connecting to one server may take.")
            .define(REQUEST_TIMEOUT, Type.DURATION, "5s", ConfigDef.atLeast(Duration.ofMillis(10)),
                    "How long a JetStream request may take: stream and consumer administration, and the server's "
                            + "acknowledgement of a publish (a send not confirmed in time fails, retriable).")
            .define(RECONNECT_WAIT, Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "Pause between reconnection attempts to one server; the client reconnects for as long as the broker is open.")
            .define(RECONNECT_BUFFER, Type.SIZE, "8MiB", ConfigDef.between(0, Integer.MAX_VALUE),
                    "Bytes of publishes, acknowledgements and pull requests the client holds while reconnecting, sent once "
                            + "connected again; past it they fail at once. 0 fails them at once.")
            .define(CONNECTION_NAME, Type.STRING, null, "Name of the connection, shown by the server's monitoring.")
            .define(STREAM_PREFIX, Type.STRING, "",
                    "Prepended to the name of every stream this broker creates or uses, e.g. `app1_`.")
            .define(SUBJECT_PREFIX, Type.STRING, "",
                    "Prepended to every subject this broker publishes to, e.g. `app1.`; a topic's subject is this prefix "
                            + "and the topic.")
            .define(STORAGE, Type.STRING, "file", ConfigDef.oneOf("file", "memory"),
                    "Storage of the streams this broker creates: `file` (survives a server restart: DURABLE) or `memory`.")
            .define(RETENTION, Type.STRING, "limits", ConfigDef.oneOf("limits", "interest"),
                    "Retention of the streams this broker creates: `limits` (messages stay until the limits below remove "
                            + "them: REPLAY) or `interest` (a message goes once every group acknowledged it; no REPLAY).")
            .define(MAX_BYTES, Type.SIZE, "0", ConfigDef.atLeast(0),
                    "Bytes a stream it creates keeps at most; 0 for no limit.")
            .define(MAX_AGE, Type.DURATION, "0s", "Age after which a stream it creates removes messages; 0 for no limit.")
            .define(MAX_MESSAGES, Type.LONG, "0", ConfigDef.atLeast(0),
                    "Messages a stream it creates keeps at most; 0 for no limit.")
            .define(REPLICAS, Type.INT, "1", ConfigDef.between(1, 5),
                    "Replicas of each stream it creates (a clustered JetStream; 1 on a single server).")
            .define(DISCARD, Type.STRING, "old", ConfigDef.oneOf("old", "new"),
                    "What a full stream does: `old` removes its oldest messages (also those a group has not read), `new` "
                            + "refuses new ones (the send fails).")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, null, ConfigDef.atLeast(1),
                    "Largest message (key + payload + headers) accepted; by default what the server's `max_payload` "
                            + "leaves after Polybus' own headers. Never above that.")
            .define(ACK_WAIT, Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofSeconds(1)),
                    "How long a delivery of a consumer that stopped answering (crashed, partitioned) stays with it before "
                            + "the server delivers it again; live consumers keep their unsettled deliveries from expiring.")
            .define(REQUEUE_DELAY, Type.DURATION, "0s",
                    "How long a requeued message waits before it is delivered again.")
            .define(POLL_TIMEOUT, Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofSeconds(1)),
                    "How long a consumer's pull request waits for messages before it asks again.")
            .define(FETCH_BATCH, Type.INT, "256", ConfigDef.between(1, 100_000),
                    "Messages one pull request asks for at most (within the consumer's free prefetch).")
            .define(MAX_ACK_PENDING, Type.INT, "65536", ConfigDef.between(1, 10_000_000),
                    "Unsettled deliveries a group may hold on the server across all its consumers (set when the group is "
                            + "created); keep it above the sum of their prefetch.")
            .define(MAX_PENDING, Type.INT, "16384", ConfigDef.between(1, 10_000_000),
                    "Messages a producer holds awaiting the server's acknowledgement at most, next to the byte bound of "
                            + "its options; past it, `send` waits or fails as that bound does.")
            .build();

    /** Builds settings from a parsed configuration. */
    public static NatsSettings from(ProviderConfig c) {
        List<String> servers = c.getList(SERVERS).stream().map(NatsSettings::normalize).toList();
        TlsSettings tls = TlsSettings.from(c, c.getBoolean(TlsSettings.ENABLED)
                || servers.stream().anyMatch(s -> s.startsWith("tls://")), "`tls: true` or tls:// servers");
        Optional<String> user = c.findString(USER);
        Optional<Password> password = c.findPassword(PASSWORD);
        if (user.isPresent() != password.isPresent()) {
            throw new ConfigException(user.isPresent() ? PASSWORD : USER, null,
                    "both user and password, or neither");
        }
        int methods = (user.isPresent() ? 1 : 0) + (c.findPassword(TOKEN).isPresent() ? 1 : 0)
                + (c.findPassword(NKEY_SEED).isPresent() ? 1 : 0) + (c.findString(CREDENTIALS_FILE).isPresent() ? 1 : 0);
        if (methods > 1) {
            throw new ConfigException(TOKEN, null, "one way to authenticate: user and password, token, nkey-seed or "
                    + "credentials-file");
        }
        return new NatsSettings(servers, user, password, c.findPassword(TOKEN), c.findPassword(NKEY_SEED),
                c.findString(CREDENTIALS_FILE), tls, c.getDuration(CONNECT_TIMEOUT), c.getDuration(REQUEST_TIMEOUT),
                c.getDuration(RECONNECT_WAIT), c.getSize(RECONNECT_BUFFER), c.findString(CONNECTION_NAME),
                c.getString(STREAM_PREFIX), c.getString(SUBJECT_PREFIX), c.getEnum(STORAGE, Storage.class),
                c.getEnum(RETENTION, Retention.class), c.getSize(MAX_BYTES), c.getDuration(MAX_AGE),
                c.getLong(MAX_MESSAGES), c.getInt(REPLICAS), c.getString(DISCARD).equalsIgnoreCase("new"),
                c.has(MAX_MESSAGE_BYTES) ? Optional.of(c.getSize(MAX_MESSAGE_BYTES)) : Optional.empty(),
                c.getDuration(ACK_WAIT), c.getDuration(REQUEUE_DELAY), c.getDuration(POLL_TIMEOUT), c.getInt(FETCH_BATCH),
                c.getInt(MAX_ACK_PENDING), c.getInt(MAX_PENDING));
    }

    /** {@code host:port} becomes {@code nats://host:port}; a URL with credentials in it is refused (use the keys). */
    private static String normalize(String server) {
        String s = server.contains("://") ? server : "nats://" + server;
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            throw new ConfigException(SERVERS, "[hidden]", "nats://host:port or tls://host:port (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("nats") && !scheme.equals("tls") || uri.getHost() == null) {
            throw new ConfigException(SERVERS, "[hidden]", "nats://host:port or tls://host:port");
        }
        if (uri.getRawUserInfo() != null) {
            throw new ConfigException(SERVERS, "[hidden]", "a server address without credentials; put them in "
                    + USER + "/" + PASSWORD + " or " + TOKEN);
        }
        return scheme + "://" + uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : 4222);
    }

    /** The servers, for messages: never includes credentials. */
    public String address() {
        return servers.stream().map(s -> s.substring(s.indexOf("://") + 3)).collect(Collectors.joining(","));
    }

    /** Whether a stream this broker creates survives a server restart. */
    public boolean durable() {
        return storage == Storage.FILE;
    }

    /** Whether a new group can start from the earliest retained message. */
    public boolean replay() {
        return retention == Retention.LIMITS;
    }

    @Override
    public String toString() {
        return "NatsSettings[" + address() + (tls.enabled() ? " tls" : "") + user.map(u -> " user " + u).orElse("") + ", "
                + storage.name().toLowerCase(Locale.ROOT) + " " + retention.name().toLowerCase(Locale.ROOT) + "]";
    }
}
