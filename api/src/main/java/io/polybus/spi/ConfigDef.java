package io.polybus.spi;

import io.polybus.Config;
import io.polybus.ConfigException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every configuration key of one provider, defined once with its type, default, validator and doc.
 * {@link #parse} turns a {@link Config} into typed values or fails with every bad key named.
 *
 * <pre>{@code
 * ConfigDef def = ConfigDef.builder("kafka")
 *     .define("bootstrap-servers", Type.LIST, "localhost:9092", ConfigDef.nonEmpty(), "Brokers to connect to.")
 *     .define("partitions", Type.INT, "1", ConfigDef.atLeast(1), "Partitions of topics it creates.")
 *     .passThrough("kafka.", "Any kafka-clients property, e.g. kafka.linger.ms.")
 *     .build();
 * }</pre>
 *
 * <p>Environment variables {@code POLYBUS_BROKER_<KEY>} override keys: the key upper-cased with dots and
 * dashes as underscores ({@code POLYBUS_BROKER_BOOTSTRAP_SERVERS}); under a pass-through prefix the rest
 * of the name becomes a dotted lower-case key ({@code POLYBUS_BROKER_KAFKA_LINGER_MS} is {@code kafka.linger.ms}).
 */
public final class ConfigDef {
    /** The prefix of environment variables that override broker keys. */
    public static final String ENV_PREFIX = "POLYBUS_BROKER_";
    /** The key that selects the provider; known to every definition. */
    public static final String TYPE_KEY = "type";

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]i?b?|b)?", Pattern.CASE_INSENSITIVE);

    /** Value types. */
    public enum Type {
        STRING("a string"), INT("a whole number"), LONG("a whole number"), DOUBLE("a number"),
        BOOLEAN("true or false"), DURATION("a duration such as 500ms, 30s, 5m, 1h or PT30S"),
        SIZE("a size in bytes such as 1048576, 512KiB, 64MiB or 1GiB"), LIST("a comma-separated list"),
        PASSWORD("a secret string");

        private final String accepted;

        Type(String accepted) {
            this.accepted = accepted;
        }

        public String accepted() {
            return accepted;
        }
    }

    /** Checks a parsed value; returns {@code null} when it is fine, otherwise what is accepted. */
    @FunctionalInterface
    public interface Validator {
        String check(Object value);
    }

    /**
     * One key.
     *
     * @param defaultValue the default in its textual form, or {@code null} for none (the key is then optional
     *                     and absent unless given)
     */
    public record Key(String name, Type type, String defaultValue, Validator validator, String doc) {
    }

    private final String brokerType;
    private final Map<String, Key> keys;
    private final Map<String, String> passThrough;

    private ConfigDef(String brokerType, Map<String, Key> keys, Map<String, String> passThrough) {
        this.brokerType = brokerType;
        this.keys = keys;
        this.passThrough = passThrough;
    }

    public static Builder builder(String brokerType) {
        return new Builder(brokerType);
    }

    /** The keys, in definition order. */
    public List<Key> keys() {
        return List.copyOf(keys.values());
    }

    /** Pass-through prefixes (e.g. {@code kafka.}) with their doc. */
    public Map<String, String> passThroughPrefixes() {
        return Collections.unmodifiableMap(passThrough);
    }

    /** Problems of {@code config} (environment overrides applied), empty when it parses. */
    public List<ConfigException.Problem> validate(Config config, Map<String, String> environment) {
        try {
            parse(config, environment);
            return List.of();
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    /** Parses {@code config} as given, without environment overrides. */
    public ProviderConfig parse(Config config) {
        return parse(config, Map.of());
    }

    /**
     * Parses {@code config} with the {@code POLYBUS_BROKER_*} variables of {@code environment} applied on top.
     *
     * @throws ConfigException naming every unknown key and every bad value, and what each accepts
     */
    public ProviderConfig parse(Config config, Map<String, String> environment) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Map<String, String> given = new TreeMap<>(config.asMap());
        applyEnvironment(environment, given, problems);

        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> native_ = new TreeMap<>();
        for (Map.Entry<String, String> e : given.entrySet()) {
            String name = e.getKey();
            if (name.equals(TYPE_KEY) || keys.containsKey(name)) {
                continue;
            }
            String prefix = passThroughPrefix(name);
            if (prefix != null && name.length() > prefix.length()) {
                native_.put(name.substring(prefix.length()), e.getValue());
            } else {
                problems.add(new ConfigException.Problem(name, null, "unknown key for broker '" + brokerType
                        + "'; known keys: " + knownKeys()));
            }
        }
        for (Key key : keys.values()) {
            String text = given.containsKey(key.name()) ? given.get(key.name()) : key.defaultValue();
            if (text == null) {
                continue;
            }
            String shown = key.type() == Type.PASSWORD ? "[hidden]" : text;
            Object value;
            try {
                value = convert(key.type(), text.trim());
            } catch (IllegalArgumentException ex) {
                problems.add(new ConfigException.Problem(key.name(), shown, "expected " + key.type().accepted()));
                continue;
            }
            String complaint = key.validator() == null ? null : key.validator().check(value);
            if (complaint != null) {
                problems.add(new ConfigException.Problem(key.name(), shown, "expected " + complaint));
                continue;
            }
            values.put(key.name(), value);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ProviderConfig(brokerType, values, native_);
    }

    private void applyEnvironment(Map<String, String> environment, Map<String, String> given,
                                  List<ConfigException.Problem> problems) {
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) {
                continue;
            }
            String suffix = e.getKey().substring(ENV_PREFIX.length());
            if (suffix.equals("TYPE")) {
                continue;
            }
            String key = keys.keySet().stream().filter(k -> envName(k).equals(suffix)).findFirst()
                    .orElseGet(() -> passThrough.keySet().stream()
                            .filter(p -> suffix.startsWith(envName(p)) && suffix.length() > envName(p).length())
                            .findFirst()
                            .map(p -> p + suffix.substring(envName(p).length()).toLowerCase(Locale.ROOT).replace('_', '.'))
                            .orElse(null));
            if (key == null) {
                problems.add(new ConfigException.Problem(e.getKey(), null, "environment variable matches no key of broker '"
                        + brokerType + "'; known keys: " + knownKeys()));
            } else {
                given.put(key, e.getValue());
            }
        }
    }

    private static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private String passThroughPrefix(String name) {
        return passThrough.keySet().stream().filter(name::startsWith).findFirst().orElse(null);
    }

    private String knownKeys() {
        List<String> known = new ArrayList<>(keys.keySet());
        passThrough.keySet().forEach(p -> known.add(p + "*"));
        return String.join(", ", known);
    }

    static Object convert(Type type, String text) {
        switch (type) {
            case STRING:
                return text;
            case PASSWORD:
                return new Password(text);
            case INT:
                return Integer.parseInt(text);
            case LONG:
                return Long.parseLong(text);
            case DOUBLE:
                return Double.parseDouble(text);
            case BOOLEAN:
                return parseBoolean(text);
            case DURATION:
                return parseDuration(text);
            case SIZE:
                return parseSize(text);
            case LIST:
                return text.isEmpty() ? List.of()
                        : Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            default:
                throw new IllegalStateException("unhandled type " + type);
        }
    }

    /**
     * Parses {@code true} or {@code false}, in any case.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static boolean parseBoolean(String text) {
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(text);
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, a bare number of milliseconds, or ISO-8601. */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(text, e);
            }
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException(text);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** Parses {@code 1048576}, {@code 512KiB}, {@code 64MiB}, {@code 1GiB} (KB, MB, GB are binary units too). */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(text);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        return switch (unit.charAt(0)) {
            case 'k' -> Math.multiplyExact(n, 1024L);
            case 'm' -> Math.multiplyExact(n, 1024L * 1024);
            case 'g' -> Math.multiplyExact(n, 1024L * 1024 * 1024);
            default -> n;
        };
    }

    /** Numbers at least {@code min}. */
    public static Validator atLeast(long min) {
        return v -> ((Number) v).longValue() >= min ? null : "a value of at least " + min;
    }

    /** Numbers between {@code min} and {@code max}, inclusive. */
    public static Validator between(long min, long max) {
        return v -> {
            long n = ((Number) v).longValue();
            return n >= min && n <= max ? null : "a value from " + min + " to " + max;
        };
    }

    /** Durations of at least {@code min}. */
    public static Validator atLeast(Duration min) {
        return v -> ((Duration) v).compareTo(min) >= 0 ? null : "a duration of at least " + min.toMillis() + "ms";
    }

    /** Strings (case-insensitive) among {@code allowed}; the parsed value keeps the given case. */
    public static Validator oneOf(String... allowed) {
        List<String> list = List.of(allowed);
        return v -> list.stream().anyMatch(a -> a.equalsIgnoreCase(String.valueOf(v))) ? null
                : "one of " + String.join(", ", list);
    }

    /** Non-empty strings and lists. */
    public static Validator nonEmpty() {
        return v -> (v instanceof List<?> l ? l.isEmpty() : String.valueOf(v).isBlank()) ? "a non-empty value" : null;
    }

    /** Renders the keys as a Markdown table, for docs and {@code --help}. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder("| key | type | default | description |\n| --- | --- | --- | --- |\n");
        for (Key k : keys.values()) {
            sb.append("| `").append(k.name()).append("` | ").append(k.type().name().toLowerCase(Locale.ROOT))
                    .append(" | ").append(k.defaultValue() == null ? "" : "`" + k.defaultValue() + "`")
                    .append(" | ").append(k.doc()).append(" |\n");
        }
        passThrough.forEach((p, doc) -> sb.append("| `").append(p).append("*` | | | ").append(doc).append(" |\n"));
        return sb.toString();
    }

    /** Builds a {@link ConfigDef}. */
    public static final class Builder {
        private final String brokerType;
        private final Map<String, Key> keys = new LinkedHashMap<>();
        private final Map<String, String> passThrough = new LinkedHashMap<>();

        private Builder(String brokerType) {
            this.brokerType = Objects.requireNonNull(brokerType, "brokerType");
        }

        public Builder define(String name, Type type, String defaultValue, Validator validator, String doc) {
            if (keys.containsKey(name) || name.equals(TYPE_KEY)) {
                throw new IllegalArgumentException("key '" + name + "' is defined twice");
            }
            if (defaultValue != null) {
                Object parsed = convert(type, defaultValue);
                if (validator != null && validator.check(parsed) != null) {
                    throw new IllegalArgumentException("default of '" + name + "' is not valid: " + validator.check(parsed));
                }
            }
            keys.put(name, new Key(name, type, defaultValue, validator, doc));
            return this;
        }

        public Builder define(String name, Type type, String defaultValue, String doc) {
            return define(name, type, defaultValue, null, doc);
        }

        /**
         * Adds the keys of a fragment that several providers share, so that they spell them alike:
         * {@code .include(TlsSettings::define)}.
         */
        public Builder include(Consumer<Builder> fragment) {
            fragment.accept(this);
            return this;
        }

        /** Keys starting with {@code prefix} (which must end with a dot) pass through to the native client. */
        public Builder passThrough(String prefix, String doc) {
            if (!prefix.endsWith(".")) {
                throw new IllegalArgumentException("a pass-through prefix ends with a dot: " + prefix);
            }
            passThrough.put(prefix, doc);
            return this;
        }

        public ConfigDef build() {
            return new ConfigDef(brokerType, Collections.unmodifiableMap(new LinkedHashMap<>(keys)),
                    Collections.unmodifiableMap(new LinkedHashMap<>(passThrough)));
        }
    }

    @Override
    public String toString() {
        return "ConfigDef[" + brokerType + ": " + keys.keySet().stream().collect(Collectors.joining(", ")) + "]";
    }
}
