package io.polybus.redis.internal;

import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;

import java.lang.reflect.Method;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** The parsed configuration of one Redis broker. Immutable. */
public record RedisSettings(Mode mode, String host, int port, int database, Optional<String> user,
                            Optional<Password> password, TlsSettings tls, Duration connectTimeout, Duration socketTimeout,
                            int poolMaxTotal, int poolMaxIdle, int poolMinIdle, String keyPrefix, long maxMessageBytes,
                            long streamMaxLen, Duration visibilityTimeout, Duration requeueDelay, Duration pollTimeout,
                            int batchSize, int maxQueued, Optional<String> clientName, Map<String, String> poolOptions) {

    static final String MODE = "mode";
    static final String URI_KEY = "uri";
    static final String HOST = "host";
    static final String PORT = "port";
    static final String DATABASE = "database";
    static final String USER = "user";
    static final String PASSWORD = "password";
    static final String CONNECT_TIMEOUT = "connect-timeout";
    static final String SOCKET_TIMEOUT = "socket-timeout";
    static final String POOL_MAX_TOTAL = "pool.max-total";
    static final String POOL_MAX_IDLE = "pool.max-idle";
    static final String POOL_MIN_IDLE = "pool.min-idle";
    static final String KEY_PREFIX = "key-prefix";
    static final String MAX_MESSAGE_BYTES = "max-message-bytes";
    static final String STREAM_MAX_LEN = "stream.max-len";
    static final String VISIBILITY_TIMEOUT = "visibility-timeout";
    static final String REQUEUE_DELAY = "requeue-delay";
    static final String POLL_TIMEOUT = "poll-timeout";
    static final String BATCH_SIZE = "producer.batch-size";
    static final String MAX_QUEUED = "producer.max-queued";
    static final String PASS_THROUGH = "redis.";

    /** Redis refuses bulk strings over 512 MiB ({@code proto-max-bulk-len}). */
    static final long REDIS_MAX_BULK = 512L * 1024 * 1024;

    public static final ConfigDef DEFINITION = ConfigDef.builder("redis")
            .define(MODE, Type.STRING, "streams", ConfigDef.oneOf("streams", "list", "pubsub"),
                    "How topics map onto Redis: `streams` (the whole contract), `list` (reliable queue, one group per "
                            + "topic) or `pubsub` (fire and forget).")
            .define(URI_KEY, Type.STRING, null,
                    "`redis://[user:password@]host:port[/database]`, or `rediss://` for TLS; when given, it replaces "
                            + "host, port, database, user, password and tls (the other `tls.*` keys still apply).")
            .define(HOST, Type.STRING, "127.0.0.1", ConfigDef.nonEmpty(), "Redis server host.")
            .define(PORT, Type.INT, "6379", ConfigDef.between(1, 65535), "Redis server port.")
            .define(DATABASE, Type.INT, "0", ConfigDef.between(0, 1_000_000), "Database number (`SELECT`).")
            .define(USER, Type.STRING, null, "ACL user name; without it the password authenticates the default user.")
            .define(PASSWORD, Type.PASSWORD, null, "Password (`AUTH`); never logged.")
            .include(TlsSettings::define)
            .define(CONNECT_TIMEOUT, Type.DURATION, "2s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long connecting may take.")
            .define(SOCKET_TIMEOUT, Type.DURATION, "5s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long a reply may take (blocking reads add their poll timeout).")
            .define(POOL_MAX_TOTAL, Type.INT, "16", ConfigDef.between(1, 10_000),
                    "Pooled connections at most (acks, dead letters, administration); producers and consumers also "
                            + "hold dedicated connections.")
            .define(POOL_MAX_IDLE, Type.INT, "8", ConfigDef.between(0, 10_000), "Idle pooled connections kept at most.")
            .define(POOL_MIN_IDLE, Type.INT, "0", ConfigDef.between(0, 10_000), "Idle pooled connections kept at least.")
            .define(KEY_PREFIX, Type.STRING, "", "Prepended to every Redis key and channel this broker uses, e.g. `app1:`.")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, "8MiB", ConfigDef.between(1, REDIS_MAX_BULK - 4096),
                    "Largest message (key + payload + headers) accepted; larger ones fail at send.")
            .define(STREAM_MAX_LEN, Type.LONG, "0", ConfigDef.atLeast(0),
                    "streams mode: trim each stream to about this many entries at every add (`MAXLEN ~`); 0 keeps all. "
                            + "Trimmed entries are gone, even for groups that have not read them.")
            .define(VISIBILITY_TIMEOUT, Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(100)),
                    "streams and list modes: how long a delivery of a consumer that stopped answering (crashed, "
                            + "partitioned) stays with it before another consumer of the group takes it over.")
            .define(REQUEUE_DELAY, Type.DURATION, "0s",
                    "streams mode: how long a requeued message waits before it is delivered again (at most the "
                            + "visibility timeout).")
            .define(POLL_TIMEOUT, Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofMillis(10)),
                    "How long a consumer's blocking read (`XREADGROUP`/`BLMOVE`) waits before it looks for abandoned "
                            + "deliveries.")
            .define(BATCH_SIZE, Type.INT, "1024", ConfigDef.between(1, 100_000),
                    "Sends written in one pipeline at most; the producer pipelines whatever is queued up to this.")
            .define(MAX_QUEUED, Type.INT, "16384", ConfigDef.between(1, 10_000_000),
                    "Messages a producer holds queued or in flight at most, next to the byte bound of its options; "
                            + "past it, `send` waits or fails as that bound does. Small messages cost the JVM far more than "
                            + "their bytes: this keeps the heap small. At least twice `producer.batch-size` keeps Redis busy.")
            .passThrough(PASS_THROUGH, "Jedis options: `redis.client-name`, and `redis.pool.<property>` for any "
                    + "commons-pool2 `GenericObjectPoolConfig` property (e.g. `redis.pool.test-on-borrow=true`).")
            .build();

    /** Builds settings from a parsed configuration, resolving {@code uri} and the pass-through keys. */
    public static RedisSettings from(ProviderConfig c) {
        String host = c.getString(HOST);
        int port = c.getInt(PORT);
        int database = c.getInt(DATABASE);
        Optional<String> user = c.findString(USER);
        Optional<Password> password = c.findPassword(PASSWORD);
        boolean tls = c.getBoolean(TlsSettings.ENABLED);
        Optional<String> uriText = c.findString(URI_KEY);
        if (uriText.isPresent()) {
            URI uri = parseUri(uriText.get());
            tls = uri.getScheme().equals("rediss");
            host = uri.getHost();
            port = uri.getPort() > 0 ? uri.getPort() : 6379;
            database = databaseOf(uri);
            user = Optional.empty();
            password = Optional.empty();
            if (uri.getRawUserInfo() != null && !uri.getRawUserInfo().isEmpty()) {
                String info = uri.getRawUserInfo();
                int colon = info.indexOf(':');
                String u = decode(colon < 0 ? info : info.substring(0, colon));
                user = u.isEmpty() ? Optional.empty() : Optional.of(u);
                password = colon < 0 ? Optional.empty() : Optional.of(new Password(decode(info.substring(colon + 1))));
            }
        }
        Optional<String> clientName = Optional.empty();
        Map<String, String> poolOptions = new TreeMap<>();
        List<ConfigException.Problem> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : c.passThrough().entrySet()) {
            if (e.getKey().equals("client-name")) {
                clientName = Optional.of(e.getValue());
            } else if (e.getKey().startsWith("pool.") && poolSetter(e.getKey().substring(5)) != null) {
                poolOptions.put(e.getKey().substring(5), e.getValue());
            } else {
                problems.add(new ConfigException.Problem(PASS_THROUGH + e.getKey(), null,
                        "unknown Jedis option; accepted: redis.client-name, redis.pool.<property> with property one of "
                                + poolProperties()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        TlsSettings tlsSettings = TlsSettings.from(c, tls, "`tls: true` or a rediss:// uri");
        RedisSettings settings = new RedisSettings(Mode.valueOf(c.getString(MODE).toUpperCase(Locale.ROOT)), host, port,
                database, user, password, tlsSettings, c.getDuration(CONNECT_TIMEOUT), c.getDuration(SOCKET_TIMEOUT),
                c.getInt(POOL_MAX_TOTAL), c.getInt(POOL_MAX_IDLE), c.getInt(POOL_MIN_IDLE), c.getString(KEY_PREFIX),
                c.getSize(MAX_MESSAGE_BYTES), c.getLong(STREAM_MAX_LEN), c.getDuration(VISIBILITY_TIMEOUT),
                c.getDuration(REQUEUE_DELAY), c.getDuration(POLL_TIMEOUT), c.getInt(BATCH_SIZE), c.getInt(MAX_QUEUED), clientName,
                Map.copyOf(poolOptions));
        if (settings.requeueDelay.compareTo(settings.visibilityTimeout) > 0) {
            throw new ConfigException(REQUEUE_DELAY, settings.requeueDelay.toString(),
                    "expected at most " + VISIBILITY_TIMEOUT + " (" + settings.visibilityTimeout + ")");
        }
        if (settings.pollTimeout.multipliedBy(2).compareTo(settings.visibilityTimeout) > 0) {
            throw new ConfigException(POLL_TIMEOUT, settings.pollTimeout.toString(),
                    "expected at most half of " + VISIBILITY_TIMEOUT + " (" + settings.visibilityTimeout + ")");
        }
        settings.poolConfig();
        return settings;
    }

    private static URI parseUri(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException(URI_KEY, "[hidden]", "expected redis://[user:password@]host:port[/database] ("
                    + e.getReason() + ")");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("redis") || uri.getScheme().equals("rediss"))
                || uri.getHost() == null) {
            throw new ConfigException(URI_KEY, "[hidden]",
                    "expected redis://[user:password@]host:port[/database] or rediss://...");
        }
        return uri;
    }

    private static int databaseOf(URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        try {
            return Integer.parseInt(path.substring(1));
        } catch (NumberFormatException e) {
            throw new ConfigException(URI_KEY, "[hidden]", "expected a database number after the port, e.g. redis://host:6379/2");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The address, for messages: never includes credentials. */
    public String address() {
        return host + ":" + port;
    }

    /** The Redis key (or channel) of {@code topic}. */
    public String key(String topic) {
        return keyPrefix + topic;
    }

    /** The commons-pool2 configuration of the shared pool, with {@code redis.pool.*} applied. */
    public GenericObjectPoolConfig<Jedis> poolConfig() {
        GenericObjectPoolConfig<Jedis> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(poolMaxTotal);
        config.setMaxIdle(poolMaxIdle);
        config.setMinIdle(poolMinIdle);
        config.setJmxEnabled(false);
        config.setMaxWait(connectTimeout.plus(socketTimeout));
        for (Map.Entry<String, String> e : poolOptions.entrySet()) {
            Method setter = poolSetter(e.getKey());
            Class<?> type = setter.getParameterTypes()[0];
            String text = e.getValue().trim();
            try {
                Object value;
                if (type == int.class) {
                    value = Integer.parseInt(text);
                } else if (type == long.class) {
                    value = Long.parseLong(text);
                } else if (type == boolean.class) {
                    if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                        throw new IllegalArgumentException(text);
                    }
                    value = Boolean.parseBoolean(text);
                } else if (type == Duration.class) {
                    value = ConfigDef.parseDuration(text);
                } else {
                    value = text;
                }
                setter.invoke(config, value);
            } catch (IllegalArgumentException | ReflectiveOperationException ex) {
                throw new ConfigException(PASS_THROUGH + "pool." + e.getKey(), e.getValue(),
                        "expected " + (type == Duration.class ? "a duration" : type.getSimpleName()));
            }
        }
        return config;
    }

    private static Method poolSetter(String property) {
        String camel = camel(property);
        return Arrays.stream(GenericObjectPoolConfig.class.getMethods())
                .filter(m -> m.getName().equalsIgnoreCase("set" + camel) && m.getParameterCount() == 1)
                .filter(m -> !m.isAnnotationPresent(Deprecated.class))
                .filter(m -> isSimple(m.getParameterTypes()[0]))
                .findFirst().orElse(null);
    }

    private static boolean isSimple(Class<?> t) {
        return t == int.class || t == long.class || t == boolean.class || t == Duration.class || t == String.class;
    }

    private static String camel(String dashed) {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char ch : dashed.toCharArray()) {
            if (ch == '-' || ch == '.') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return sb.toString();
    }

    private static String poolProperties() {
        TreeSet<String> names = new TreeSet<>();
        for (Method m : GenericObjectPoolConfig.class.getMethods()) {
            if (m.getName().startsWith("set") && m.getParameterCount() == 1 && isSimple(m.getParameterTypes()[0])
                    && !m.isAnnotationPresent(Deprecated.class)) {
                names.add(m.getName().substring(3, 4).toLowerCase(Locale.ROOT) + m.getName().substring(4)
                        .replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT));
            }
        }
        return String.join(", ", names);
    }

    @Override
    public String toString() {
        return "RedisSettings[" + mode + " at " + address() + "/" + database + (tls.enabled() ? " tls" : "")
                + user.map(u -> " user " + u).orElse("") + "]";
    }
}
