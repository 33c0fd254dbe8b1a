package io.polybus.bench.internal;

import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One benchmark workload, read from YAML (see {@code bench/workloads/}): every key is one of {@link #KEYS}, the
 * definition bench/README.md's table is rendered from. Placeholders ({@code ${NAME}}, {@code ${NAME:-default}},
 * {@code ${file:/path}}) are expanded as in every Polybus file ({@link Config#readYaml}). Immutable.
 *
 * @param name              shown in reports
 * @param topics            topics, each with its own producers and groups
 * @param partitions        partitions per topic where the broker has them
 * @param messageSize       payload bytes per message (at least {@link Stamp#BYTES})
 * @param payloadFile       when set, every payload is this file's content (its first bytes carry the stamp)
 * @param keys              distinct keys; 0 sends messages without a key
 * @param keyDistribution   how keys are picked: round-robin or random
 * @param producers         producers per topic
 * @param groups            groups per topic
 * @param consumersPerGroup consumers in each group
 * @param rates             target rates in msg/s over all producers; 0 means as fast as possible; several
 *                          values make a sweep, one run per rate
 * @param warmup            how long to send before measuring
 * @param duration          how long to measure (unless {@code messages} is set)
 * @param messages          messages to measure over all producers; 0 to measure for {@code duration}
 * @param drainTimeout      how long consumers may go without progress before the missing messages count as lost
 * @param injectLoss        messages each run pretends were acknowledged but never sends: a self-test of the
 *                          loss detector, 0 in real runs
 * @param phases            whether producers and consumers run at the same time or one after the other
 * @param repeat            rounds per broker and rate, each running the raw client and then Polybus
 * @param messageIds        whether Polybus messages are given ids ({@code Message.Builder.id}), which then travel
 *                          with them; without, they are as bare as the raw clients' where the broker names messages
 * @param brokers           per broker type given, the connection settings of the raw client and, under
 *                          {@code polybus}, the provider configuration handed to {@code Brokers.open}
 *                          ({@link #broker} fills in the types not given)
 */
public record Workload(String name, int topics, int partitions, int messageSize, Path payloadFile, int keys,
                       KeyDistribution keyDistribution, int producers, int groups, int consumersPerGroup,
                       List<Long> rates, Duration warmup, Duration duration, long messages, Duration drainTimeout,
                       int injectLoss, Phases phases, int repeat, boolean messageIds,
                       Map<String, ProviderConfig> brokers) {

    /** How a producer picks the key of its next message. */
    public enum KeyDistribution { ROUND_ROBIN, RANDOM }

    /**
     * When consumers read. {@link #TOGETHER}: while the producers send (end-to-end latency is measured).
     * {@link #SEPARATE}: after every send is acknowledged, so publish and consume throughput are each
     * measured alone, as kafka-producer-perf-test and kafka-consumer-perf-test do.
     */
    public enum Phases { TOGETHER, SEPARATE }

    /** Most rounds of {@code repeat}. */
    static final int MAX_REPEAT = 100;
    /** Largest {@code message-size}: a payload is one array, and no broker here takes more in one message. */
    private static final String MAX_MESSAGE_SIZE = "1GiB";

    private static final String RATES = "max, a positive number of messages per second, or a list of them";
    private static final String STAMP = "every payload starts with its " + Stamp.BYTES
            + "-byte stamp: producer, sequence, key and send times";

    /** The keys of a workload file. */
    public static final ConfigDef KEYS = keys(null);

    public Workload {
        rates = List.copyOf(rates);
        brokers = Map.copyOf(brokers);
    }

    /** The keys, with a relative {@code payload-file} resolved against {@code baseDir} (when not null). */
    private static ConfigDef keys(Path baseDir) {
        return ConfigDef.builder("workload", "polybus bench")
                .define("name", Type.STRING, "workload", ConfigDef.nonEmpty(), "Shown in reports.")
                .define("topics", Type.INT, "1", ConfigDef.between(1, 1000), "Topics, each with its own producers and groups.")
                .define("partitions", Type.INT, "1", ConfigDef.between(1, 10_000),
                        "Partitions of each topic the raw Kafka driver creates (Polybus creates topics with its "
                                + "provider's `partitions`).")
                .define("message-size", Type.SIZE, "100", Workload::checkMessageSize,
                        "Payload bytes per message, such as `100` or `1KiB`, from " + Stamp.BYTES + " (" + STAMP
                                + ") to " + MAX_MESSAGE_SIZE + ".")
                .defineParsed("payload-file", "a readable file of at least " + Stamp.BYTES + " bytes",
                        (raw, path) -> payload(raw, baseDir),
                        "A file whose content every payload is (its first " + Stamp.BYTES + " bytes replaced by the "
                                + "stamp), relative to the workload file; its size is the message size, so leave out "
                                + "`message-size`.")
                .define("keys", Type.INT, "0", ConfigDef.between(0, 1_000_000),
                        "Distinct message keys; 0 sends messages without a key (and order is not checked).")
                .define("key-distribution", Type.STRING, "round-robin", ConfigDef.oneOf("round-robin", "random"),
                        "How a producer picks the key of its next message.")
                .define("producers", Type.INT, "1", ConfigDef.between(1, 1000), "Producers per topic.")
                .define("groups", Type.INT, "1", ConfigDef.between(1, 100), "Groups per topic; each receives every message.")
                .define("consumers-per-group", Type.INT, "1", ConfigDef.between(1, 1000), "Consumers in each group.")
                .defineParsed("rate", RATES, Workload::rates,
                        "Messages per second over all producers, `max` (as fast as the client takes them), or a list: "
                                + "a sweep, one run per rate; default: `max`.")
                .define("warmup", Type.DURATION, "5s", ConfigDef.atLeast(Duration.ZERO),
                        "How long to send before measuring; warm-up messages are checked for loss too.")
                .define("duration", Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(1)),
                        "How long to measure, unless `messages` is set.")
                .define("messages", Type.LONG, "0", ConfigDef.atLeast(0),
                        "Messages to measure over all producers; 0 measures for `duration`.")
                .define("drain-timeout", Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(1)),
                        "How long the consumers may make no progress before the missing messages count as lost.")
                .define("inject-loss", Type.INT, "0", ConfigDef.atLeast(0),
                        "Messages producer 0 pretends were acknowledged but never sends: a self-test of the loss check.")
                .define("phases", Type.STRING, "together", ConfigDef.oneOf("together", "separate"),
                        "`together`: consumers read while producers send; `separate`: producers send alone, then "
                                + "consumers read everything (see Measurement).")
                .define("repeat", Type.INT, "1", ConfigDef.between(1, MAX_REPEAT),
                        "Rounds per broker and rate, each running the raw client and Polybus (raw first in odd rounds).")
                .define("message-ids", Type.BOOLEAN, "false",
                        "Whether Polybus messages are given ids of their own (`Message.Builder.id`), as a producer "
                                + "that chooses its ids does; they then travel with every message. Without, messages "
                                + "are as bare as the raw clients' where the broker names messages (Kafka, NATS).")
                .defineParsed("brokers", "a mapping of broker types to their settings", BrokerSettings::parse,
                        "Per broker type, the raw client's connection settings and, under `polybus`, the provider's "
                                + "configuration (see Broker settings).")
                .build();
    }

    /**
     * Reads and checks a workload file, expanding placeholders with the process environment.
     *
     * @throws ConfigException naming the file when it cannot be read, and every problem of its content
     */
    public static Workload read(Path file) {
        return read(file, Map.of(), System::getenv);
    }

    /**
     * Reads and checks a workload file with {@code overrides} (values by key, as the command line's options
     * give them) in place of its keys; an overridden {@code duration} replaces {@code messages} too. Overrides
     * are read by the same definitions as the file, and a problem with one is named after its option
     * ({@code --repeat}).
     *
     * @throws ConfigException naming the file when it cannot be read, and every problem of its content
     */
    public static Workload read(Path file, Map<String, ?> overrides, Function<String, String> environment) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), null, "workload file not found");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), null, "cannot read workload file: " + e.getMessage());
        }
        return parse(yaml, file.getParent(), overrides, environment);
    }

    /**
     * Parses workload YAML with the process environment; a relative {@code payload-file} is resolved against
     * {@code baseDir}.
     *
     * @throws ConfigException naming every bad key, its value and what is accepted
     */
    public static Workload parse(String yaml, Path baseDir) {
        return parse(yaml, baseDir, Map.of(), System::getenv);
    }

    /**
     * Parses workload YAML as {@link #read(Path, Map, Function)} reads a file.
     *
     * @throws ConfigException naming every bad key, its value and what is accepted
     */
    public static Workload parse(String yaml, Path baseDir, Map<String, ?> overrides, Function<String, String> environment) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Map<String, Object> tree = Config.readYaml(yaml, environment, problems);
        // A placeholder that could not be expanded is left as written: its key's own complaint would add nothing.
        Set<String> unexpanded = problems.stream().map(ConfigException.Problem::key).collect(Collectors.toSet());
        if (tree.containsKey("payload-file") && tree.containsKey("message-size")) {
            problems.add(new ConfigException.Problem("message-size", null, "leave it out: payload-file sets the size"));
        }
        if (overrides.containsKey("duration")) {
            tree.remove("messages");
        }
        tree.putAll(overrides);
        try {
            ProviderConfig config = (baseDir == null ? KEYS : keys(baseDir)).parse(tree, "");
            if (problems.isEmpty()) {
                return of(config);
            }
        } catch (ConfigException e) {
            e.problems().stream().filter(p -> overrides.containsKey(p.key()) || !unexpanded.contains(p.key()))
                    .forEach(p -> problems.add(overrides.containsKey(p.key())
                            ? new ConfigException.Problem("--" + p.key(), p.value(), p.accepted()) : p));
        }
        throw new ConfigException(problems);
    }

    @SuppressWarnings("unchecked")
    private static Workload of(ProviderConfig c) {
        Payload payload = c.find("payload-file", Payload.class).orElse(null);
        return new Workload(c.getString("name"), c.getInt("topics"), c.getInt("partitions"),
                payload == null ? (int) c.getSize("message-size") : payload.size(),
                payload == null ? null : payload.file(), c.getInt("keys"),
                c.getEnum("key-distribution", KeyDistribution.class), c.getInt("producers"), c.getInt("groups"),
                c.getInt("consumers-per-group"), c.find("rate", List.class).orElse(List.of(0L)),
                c.getDuration("warmup"), c.getDuration("duration"), c.getLong("messages"),
                c.getDuration("drain-timeout"), c.getInt("inject-loss"), c.getEnum("phases", Phases.class),
                c.getInt("repeat"), c.getBoolean("message-ids"), c.find("brokers", Map.class).orElse(Map.of()));
    }

    /** The settings for {@code type}: the workload's, or every key's default when it gives none. */
    public ProviderConfig broker(String type) {
        ProviderConfig given = brokers.get(type);
        return given != null ? given : BrokerSettings.defaults(type);
    }

    /** The settings for the report, durations in the grammar of the file: everything but connection settings. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("topics", topics);
        m.put("partitions", partitions);
        m.put("message-size", messageSize);
        if (payloadFile != null) {
            m.put("payload-file", payloadFile.toString());
        }
        m.put("keys", keys);
        m.put("key-distribution", keyDistribution.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("producers", producers);
        m.put("groups", groups);
        m.put("consumers-per-group", consumersPerGroup);
        m.put("rate", rates.stream().map(r -> r == 0 ? "max" : String.valueOf(r)).toList());
        m.put("warmup", ConfigDef.formatDuration(warmup));
        m.put("duration", messages > 0 ? "-" : ConfigDef.formatDuration(duration));
        m.put("messages", messages);
        m.put("drain-timeout", ConfigDef.formatDuration(drainTimeout));
        m.put("inject-loss", injectLoss);
        m.put("phases", phases.name().toLowerCase(Locale.ROOT));
        m.put("repeat", repeat);
        m.put("message-ids", messageIds);
        return m;
    }

    private static String checkMessageSize(Object value) {
        long bytes = (Long) value;
        return bytes >= Stamp.BYTES && bytes <= ConfigDef.parseSize(MAX_MESSAGE_SIZE) ? null
                : "a size of at least " + Stamp.BYTES + " bytes (" + STAMP + ") and at most " + MAX_MESSAGE_SIZE;
    }

    /** The file every payload is, and its size. */
    private record Payload(Path file, int size) {
    }

    private static Payload payload(Object raw, Path baseDir) {
        if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
            throw new IllegalArgumentException();
        }
        Path file = Path.of(String.valueOf(raw).trim());
        if (!file.isAbsolute() && baseDir != null) {
            file = baseDir.resolve(file);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no file at " + file);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " (" + e + ")");
        }
        if (checkMessageSize(size) != null) {
            throw new IllegalArgumentException(file + " has " + size + " bytes; " + STAMP);
        }
        return new Payload(file, (int) size);
    }

    /**
     * Reads {@code rate}: {@code max} (0), a positive number, or a list or comma-separated string of them.
     *
     * @throws ConfigException naming each bad rate with its place in a list
     */
    private static List<Long> rates(Object raw, String path) {
        if (raw instanceof Map<?, ?>) {
            throw new IllegalArgumentException();
        }
        List<?> items = raw instanceof List<?> list ? list : List.of(String.valueOf(raw).split(",", -1));
        List<ConfigException.Problem> problems = new ArrayList<>();
        List<Long> rates = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            String where = raw instanceof List<?> ? path + "[" + i + "]" : path;
            String text = item instanceof Map<?, ?> || item instanceof List<?> || item == null ? null
                    : String.valueOf(item).trim();
            Long rate = text == null ? null : rate(text);
            if (rate == null) {
                problems.add(new ConfigException.Problem(where, text, "expected " + RATES));
            } else {
                rates.add(rate);
            }
        }
        if (items.isEmpty()) {
            problems.add(new ConfigException.Problem(path, null, "expected at least one rate: " + RATES));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return List.copyOf(rates);
    }

    private static Long rate(String text) {
        if (text.equalsIgnoreCase("max")) {
            return 0L;
        }
        try {
            long rate = Long.parseLong(text.replace("_", ""));
            return rate > 0 ? rate : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
