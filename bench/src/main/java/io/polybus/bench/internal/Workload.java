package io.polybus.bench.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;

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

/**
 * One benchmark workload, read from YAML (see {@code bench/workloads/}). Immutable.
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
 * @param carryIds          whether Polybus producers carry message ids ({@code ProducerOptions.carryIds}); false
 *                          sends Kafka records as bare as the raw client's
 * @param brokers           per broker type, the connection settings of the raw client and, under
 *                          {@code polybus}, the provider configuration handed to {@code Brokers.open}
 */
public record Workload(String name, int topics, int partitions, int messageSize, Path payloadFile, int keys,
                       KeyDistribution keyDistribution, int producers, int groups, int consumersPerGroup,
                       List<Long> rates, Duration warmup, Duration duration, long messages, Duration drainTimeout,
                       int injectLoss, Phases phases, int repeat, boolean carryIds,
                       Map<String, Map<String, Object>> brokers) {

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

    private static final Set<String> KNOWN = Set.of("name", "topics", "partitions", "message-size", "payload-file",
            "keys", "key-distribution", "producers", "groups", "consumers-per-group", "rate", "warmup", "duration",
            "messages", "drain-timeout", "inject-loss", "phases", "repeat", "carry-ids", "brokers");

    /** Default connection settings of the raw clients, used for keys a workload leaves out. */
    static final Map<String, Map<String, Object>> DEFAULT_BROKERS = Map.of(
            "kafka", Map.of("bootstrap-servers", "localhost:9092"),
            "rabbitmq", Map.of("host", "127.0.0.1", "port", 5672, "username", "guest", "password", "guest",
                    "virtual-host", "/"),
            "redis", Map.of("host", "127.0.0.1", "port", 6379),
            "mqtt", Map.of("host", "127.0.0.1", "port", 1883),
            "zeromq", Map.of("endpoint", "tcp://127.0.0.1:5557"),
            "memory", Map.of());

    public Workload {
        rates = List.copyOf(rates);
        brokers = Map.copyOf(brokers);
    }

    /** Reads and checks a workload file. */
    public static Workload read(Path file) {
        try {
            return parse(Files.readString(file), file.getParent());
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), null, "workload file not found");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), null, "cannot read workload file: " + e.getMessage());
        }
    }

    /**
     * Parses workload YAML; a relative {@code payload-file} is resolved against {@code baseDir}.
     *
     * @throws ConfigException naming the key, the value and what is accepted
     */
    @SuppressWarnings("unchecked")
    public static Workload parse(String yaml, Path baseDir) {
        Map<String, Object> map;
        try {
            map = new ObjectMapper(new YAMLFactory()).readValue(yaml, Map.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException("workload", null, "not valid YAML: " + e.getOriginalMessage());
        }
        if (map == null) {
            map = Map.of();
        }
        for (String key : map.keySet()) {
            if (!KNOWN.contains(key)) {
                throw new ConfigException(key, String.valueOf(map.get(key)), "unknown workload key; known keys: "
                        + String.join(", ", KNOWN.stream().sorted().toList()));
            }
        }
        Path payloadFile = null;
        int messageSize;
        if (map.containsKey("payload-file")) {
            payloadFile = Path.of(String.valueOf(map.get("payload-file")));
            if (!payloadFile.isAbsolute() && baseDir != null) {
                payloadFile = baseDir.resolve(payloadFile);
            }
            try {
                messageSize = Math.toIntExact(Files.size(payloadFile));
            } catch (IOException | ArithmeticException e) {
                throw new ConfigException("payload-file", payloadFile.toString(), "cannot read: " + e.getMessage());
            }
        } else {
            messageSize = (int) size(map, "message-size", "100");
        }
        if (messageSize < Stamp.BYTES) {
            throw new ConfigException(payloadFile == null ? "message-size" : "payload-file", String.valueOf(messageSize),
                    "at least " + Stamp.BYTES + " bytes (each payload carries its producer, sequence and send times)");
        }
        int keys = integer(map, "keys", 0, 0, 1_000_000);
        KeyDistribution distribution;
        String dist = String.valueOf(map.getOrDefault("key-distribution", "round-robin"));
        try {
            distribution = KeyDistribution.valueOf(dist.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("key-distribution", dist, "one of round-robin, random");
        }
        Phases phases;
        String phasesValue = String.valueOf(map.getOrDefault("phases", "together"));
        try {
            phases = Phases.valueOf(phasesValue.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("phases", phasesValue, "one of together, separate");
        }
        Duration duration = duration(map, "duration", "30s");
        long messages = longValue(map, "messages", 0);
        if (duration.isZero() && messages == 0) {
            throw new ConfigException("duration", "0s", "positive, or set messages");
        }
        return new Workload(
                String.valueOf(map.getOrDefault("name", "workload")),
                integer(map, "topics", 1, 1, 1000),
                integer(map, "partitions", 1, 1, 10_000),
                messageSize, payloadFile, keys, distribution,
                integer(map, "producers", 1, 1, 1000),
                integer(map, "groups", 1, 1, 100),
                integer(map, "consumers-per-group", 1, 1, 1000),
                rates(map.getOrDefault("rate", "max")),
                duration(map, "warmup", "5s"),
                duration, messages,
                duration(map, "drain-timeout", "30s"),
                integer(map, "inject-loss", 0, 0, Integer.MAX_VALUE),
                phases, repeat(map.getOrDefault("repeat", 1)),
                carryIds(map.getOrDefault("carry-ids", true)),
                brokers(map.get("brokers")));
    }

    /** The settings for {@code type}: the workload's keys over the defaults. */
    public Map<String, Object> broker(String type) {
        Map<String, Object> merged = new LinkedHashMap<>(DEFAULT_BROKERS.getOrDefault(type, Map.of()));
        merged.putAll(brokers.getOrDefault(type, Map.of()));
        return merged;
    }

    /** The settings for the report: everything but connection secrets. */
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
        m.put("warmup", warmup.toString());
        m.put("duration", messages > 0 ? "-" : duration.toString());
        m.put("messages", messages);
        m.put("drain-timeout", drainTimeout.toString());
        m.put("inject-loss", injectLoss);
        m.put("phases", phases.name().toLowerCase(Locale.ROOT));
        m.put("repeat", repeat);
        m.put("carry-ids", carryIds);
        return m;
    }

    /** A copy with other rates, e.g. from the command line. */
    public Workload withRates(List<Long> newRates) {
        return new Workload(name, topics, partitions, messageSize, payloadFile, keys, keyDistribution, producers,
                groups, consumersPerGroup, newRates, warmup, duration, messages, drainTimeout, injectLoss, phases, repeat, carryIds, brokers);
    }

    /** A copy measuring for {@code newDuration} (and not a message count). */
    public Workload withDuration(Duration newDuration) {
        return new Workload(name, topics, partitions, messageSize, payloadFile, keys, keyDistribution, producers,
                groups, consumersPerGroup, rates, warmup, newDuration, 0, drainTimeout, injectLoss, phases, repeat, carryIds, brokers);
    }

    /** A copy that warms up for {@code newWarmup}. */
    public Workload withWarmup(Duration newWarmup) {
        return new Workload(name, topics, partitions, messageSize, payloadFile, keys, keyDistribution, producers,
                groups, consumersPerGroup, rates, newWarmup, duration, messages, drainTimeout, injectLoss, phases, repeat, carryIds, brokers);
    }

    /** A copy that pretends {@code lost} messages were acknowledged but never sends them. */
    public Workload withInjectedLoss(int lost) {
        return new Workload(name, topics, partitions, messageSize, payloadFile, keys, keyDistribution, producers,
                groups, consumersPerGroup, rates, warmup, duration, messages, drainTimeout, lost, phases, repeat, carryIds, brokers);
    }

    /** A copy whose Polybus producers carry message ids or not. */
    public Workload withCarryIds(boolean carry) {
        return new Workload(name, topics, partitions, messageSize, payloadFile, keys, keyDistribution, producers,
                groups, consumersPerGroup, rates, warmup, duration, messages, drainTimeout, injectLoss, phases, repeat,
                carry, brokers);
    }

    /** A copy that runs {@code rounds} rounds per broker and rate. */
    public Workload withRepeat(int rounds) {
        return new Workload(name, topics, partitions, messageSize, payloadFile, keys, keyDistribution, producers,
                groups, consumersPerGroup, rates, warmup, duration, messages, drainTimeout, injectLoss, phases, rounds,
                carryIds, brokers);
    }

    /**
     * Parses a number of rounds, e.g. from the command line.
     *
     * @throws ConfigException naming {@code repeat} unless it is a whole number from 1 to {@value #MAX_REPEAT}
     */
    public static int repeat(Object value) {
        String text = String.valueOf(value).trim();
        try {
            int rounds = Integer.parseInt(text.replace("_", ""));
            if (rounds < 1 || rounds > MAX_REPEAT) {
                throw new NumberFormatException();
            }
            return rounds;
        } catch (NumberFormatException e) {
            throw new ConfigException("repeat", text, "a whole number from 1 to " + MAX_REPEAT);
        }
    }

    /**
     * Parses {@code carry-ids}.
     *
     * @throws ConfigException naming {@code carry-ids} unless it is true or false
     */
    public static boolean carryIds(Object value) {
        try {
            return ConfigDef.parseBoolean(String.valueOf(value).trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("carry-ids", String.valueOf(value), "true or false");
        }
    }

    /** Parses {@code max}, a number, or a list of them (a sweep). */
    public static List<Long> rates(Object value) {
        List<Long> out = new ArrayList<>();
        List<?> items = value instanceof List<?> list ? list : List.of(String.valueOf(value).split(","));
        for (Object item : items) {
            String text = String.valueOf(item).trim();
            if (text.equalsIgnoreCase("max")) {
                out.add(0L);
                continue;
            }
            try {
                long rate = Long.parseLong(text.replace("_", ""));
                if (rate <= 0) {
                    throw new NumberFormatException();
                }
                out.add(rate);
            } catch (NumberFormatException e) {
                throw new ConfigException("rate", text, "max, a positive number of messages per second, or a list of them");
            }
        }
        if (out.isEmpty()) {
            throw new ConfigException("rate", String.valueOf(value), "at least one rate");
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> brokers(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException("brokers", String.valueOf(value), "a map from broker type to its settings");
        }
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        map.forEach((type, settings) -> {
            if (settings != null && !(settings instanceof Map)) {
                throw new ConfigException("brokers." + type, "(not shown)", "a map of settings");
            }
            out.put(String.valueOf(type), settings == null ? Map.of() : (Map<String, Object>) settings);
        });
        return out;
    }

    private static int integer(Map<String, Object> map, String key, int def, int min, int max) {
        long v = longValue(map, key, def);
        if (v < min || v > max) {
            throw new ConfigException(key, String.valueOf(v), "between " + min + " and " + max);
        }
        return (int) v;
    }

    private static long longValue(Map<String, Object> map, String key, long def) {
        Object v = map.get(key);
        if (v == null) {
            return def;
        }
        try {
            long parsed = Long.parseLong(String.valueOf(v).trim().replace("_", ""));
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, String.valueOf(v), "a whole number, at least 0");
        }
    }

    private static long size(Map<String, Object> map, String key, String def) {
        String v = String.valueOf(map.getOrDefault(key, def)).trim();
        try {
            return ConfigDef.parseSize(v);
        } catch (RuntimeException e) {
            throw new ConfigException(key, v, "a size in bytes such as 100, 1KiB or 1MiB");
        }
    }

    private static Duration duration(Map<String, Object> map, String key, String def) {
        String v = String.valueOf(map.getOrDefault(key, def)).trim();
        try {
            Duration d = ConfigDef.parseDuration(v);
            if (d.isNegative()) {
                throw new IllegalArgumentException();
            }
            return d;
        } catch (RuntimeException e) {
            throw new ConfigException(key, v, "a duration such as 500ms, 10s or 2m");
        }
    }
}
