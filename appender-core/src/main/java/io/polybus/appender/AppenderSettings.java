package io.polybus.appender;

import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How an appender queues, spools and sends, whichever framework it serves. Immutable; read from the keys of
 * {@link #CONFIG_DEF} with {@link #from(Config)}.
 *
 * @param topic            the broker topic events go to
 * @param service          the application's name, written as the event's {@code source.name}
 * @param host             the host written into every event
 * @param queueCapacity    events held in memory between the caller and the sending thread
 * @param overflow         what a log call does when the queue is full
 * @param blockTimeout     how long {@link OverflowPolicy#BLOCK} waits for room: the caller's bound under that policy
 * @param spoolDir         where undelivered events wait on disk, in order
 * @param spoolMaxBytes    the spool's size bound; past it new events are dropped (counted)
 * @param batchSize        events sent before waiting for the broker's acknowledgements
 * @param sendTimeout      how long the sending thread waits for one batch's acknowledgements before it retries
 * @param retryBackoff     the first wait before retrying a failed send or connection (doubling up to the max)
 * @param retryBackoffMax  the longest wait between retries
 * @param shutdownTimeout  how long closing waits for the broker to take what is queued and spooled; the rest stays in
 *                         the spool for the next start
 * @param excludedLoggers  logger name prefixes whose events the appender never publishes (the broker clients'):
 *                         they would otherwise re-enter the appender from the clients' own threads
 */
public record AppenderSettings(String topic, String service, String host, int queueCapacity, OverflowPolicy overflow,
                               Duration blockTimeout, Path spoolDir, long spoolMaxBytes, int batchSize,
                               Duration sendTimeout, Duration retryBackoff, Duration retryBackoffMax,
                               Duration shutdownTimeout, List<String> excludedLoggers) {

    /** The broker client libraries Polybus uses, and Polybus itself. */
    public static final List<String> DEFAULT_EXCLUDED_LOGGERS = List.of("io.polybus", "org.apache.kafka",
            "com.rabbitmq", "redis.clients", "io.nats", "org.apache.activemq", "com.hivemq", "org.zeromq", "zmq",
            "io.netty");

    public AppenderSettings {
        requireText(topic, "topic");
        requireText(service, "service");
        requireText(host, "host");
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queue-capacity must be at least 1, was " + queueCapacity);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch-size must be at least 1, was " + batchSize);
        }
        if (spoolMaxBytes < 1) {
            throw new IllegalArgumentException("spool-max-bytes must be positive, was " + spoolMaxBytes);
        }
        Objects.requireNonNull(overflow, "overflow");
        Objects.requireNonNull(spoolDir, "spool-dir");
        requireNonNegative(blockTimeout, "block-timeout");
        requirePositive(sendTimeout, "send-timeout");
        requirePositive(retryBackoff, "retry-backoff");
        requirePositive(retryBackoffMax, "retry-backoff-max");
        requireNonNegative(shutdownTimeout, "shutdown-timeout");
        excludedLoggers = List.copyOf(excludedLoggers);
    }

    /** Whether events of {@code loggerName} are kept out of the appender. */
    public boolean excluded(String loggerName) {
        if (loggerName == null) {
            return false;
        }
        for (String prefix : excludedLoggers) {
            if (loggerName.startsWith(prefix)
                    && (loggerName.length() == prefix.length() || loggerName.charAt(prefix.length()) == '.')) {
                return true;
            }
        }
        return false;
    }

    /** The appender keys, as every framework adapter takes them and docs/appenders.md lists them. */
    public static final ConfigDef CONFIG_DEF = ConfigDef.builder("appender", "polybus")
            .define("topic", ConfigDef.Type.STRING, "logs", ConfigDef.nonEmpty(), "The broker topic events go to.")
            .define("service", ConfigDef.Type.STRING, "app", ConfigDef.nonEmpty(),
                    "The application's name, written as each event's `source.name`.")
            .define("host", ConfigDef.Type.STRING, "",
                    "The host written into each event; empty: the local host's name.")
            .define("queue-capacity", ConfigDef.Type.INT, "8192", ConfigDef.atLeast(1),
                    "Events held in memory between the log call and the sending thread.")
            .define("overflow", ConfigDef.Type.STRING, "spill",
                    ConfigDef.oneOf("spill", "block", "drop-oldest", "drop-newest"),
                    "What a log call does when the queue is full: `spill` to the spool on disk (events stay in order), "
                            + "`block` up to `block-timeout` then drop, `drop-oldest`, `drop-newest`. Drops are counted.")
            .define("block-timeout", ConfigDef.Type.DURATION, "100ms",
                    "How long a log call waits for room under `overflow: block`.")
            .define("spool-dir", ConfigDef.Type.STRING, "",
                    "Where undelivered events wait, in order; empty: `<java.io.tmpdir>/polybus-spool/<service>-<topic>`. "
                            + "One appender per directory.")
            .define("spool-max-bytes", ConfigDef.Type.SIZE, "1GiB", ConfigDef.atLeast(1),
                    "The spool's bound; past it new events are dropped (counted).")
            .define("batch-size", ConfigDef.Type.INT, "512", ConfigDef.atLeast(1),
                    "Events sent before waiting for the broker's acknowledgements.")
            .define("send-timeout", ConfigDef.Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long the sending thread waits for a batch's acknowledgements before sending it again.")
            .define("retry-backoff", ConfigDef.Type.DURATION, "100ms", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "The first wait before a failed send or connection is retried; doubles up to `retry-backoff-max`.")
            .define("retry-backoff-max", ConfigDef.Type.DURATION, "5s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "The longest wait between retries.")
            .define("shutdown-timeout", ConfigDef.Type.DURATION, "5s",
                    "How long stopping waits for the broker to take what is queued and spooled; the rest stays in the "
                            + "spool for the next start.")
            .define("excluded-loggers", ConfigDef.Type.LIST, String.join(",", DEFAULT_EXCLUDED_LOGGERS),
                    "Logger name prefixes never published: the broker clients' own logging, which would otherwise "
                            + "re-enter the appender.")
            .build();

    /**
     * Settings from flat configuration with the keys of {@link #CONFIG_DEF}.
     *
     * @throws ConfigException naming every unknown key and bad value
     */
    public static AppenderSettings from(Config config) {
        ProviderConfig c = CONFIG_DEF.parse(config);
        String service = c.getString("service");
        String topic = c.getString("topic");
        String host = c.getString("host");
        String spool = c.getString("spool-dir");
        return new AppenderSettings(topic, service, host.isBlank() ? localHostName() : host, c.getInt("queue-capacity"),
                c.getEnum("overflow", OverflowPolicy.class), c.getDuration("block-timeout"),
                spool.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "polybus-spool",
                        safe(service) + "-" + safe(topic)) : Path.of(spool),
                c.getSize("spool-max-bytes"), c.getInt("batch-size"), c.getDuration("send-timeout"),
                c.getDuration("retry-backoff"), c.getDuration("retry-backoff-max"), c.getDuration("shutdown-timeout"),
                c.getList("excluded-loggers"));
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * Broker configuration written as the frameworks' XML holds it: {@code key=value} pairs, one per line or
     * separated by {@code ;} (blank lines and lines starting with {@code #} are skipped), with the keys of the
     * broker's docs page ({@code type=kafka; bootstrap-servers=localhost:9092}).
     *
     * @throws ConfigException naming a pair without {@code =}
     */
    public static Config brokerConfig(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : (text == null ? "" : text).split("[\\n;]")) {
            String pair = line.trim();
            if (pair.isEmpty() || pair.startsWith("#")) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("broker", null, "expected key=value pairs such as type=kafka, found '"
                        + (eq < 0 ? pair : pair.substring(0, eq + 1)) + "'");
            }
            map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return Config.of(map);
    }

    private static void requireText(String s, String key) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(key + " must not be empty");
        }
    }

    private static void requireNonNegative(Duration d, String key) {
        Objects.requireNonNull(d, key);
        if (d.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, was " + d);
        }
    }

    private static void requirePositive(Duration d, String key) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be positive, was " + d);
        }
    }

    /** The local host's name, or {@code localhost} when it has none. */
    public static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
