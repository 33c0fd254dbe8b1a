package io.polybus.spi;

import io.polybus.Config;
import io.polybus.ConfigException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every configuration key of one configurable thing (a broker, a source, a processor, a sink, a notifier, a
 * rule, a section of a file), defined once with its type, default, validator and doc. {@link #parse} turns a
 * configuration into typed values or fails with every bad key named, its value and what it accepts; the docs'
 * key tables are rendered from the same definition ({@link #toMarkdown}).
 *
 * <pre>{@code
 * ConfigDef def = ConfigDef.builder("kafka")
 *     .define("bootstrap-servers", Type.LIST, "localhost:9092", ConfigDef.nonEmpty(), "Brokers to connect to.")
 *     .define("partitions", Type.INT, "1", ConfigDef.atLeast(1), "Partitions of topics it creates.")
 *     .passThrough("kafka.", "Any kafka-clients property, e.g. kafka.linger.ms.")
 *     .build();
 * }</pre>
 *
 * <p>Two ways in. Brokers read flat dotted keys ({@link #parse(Config, Map)}), where environment variables
 * {@code POLYBUS_BROKER_<KEY>} override keys: the key upper-cased with dots and dashes as underscores
 * ({@code POLYBUS_BROKER_BOOTSTRAP_SERVERS}); under a pass-through prefix the rest of the name becomes a dotted
 * lower-case key ({@code POLYBUS_BROKER_KAFKA_LINGER_MS} is {@code kafka.linger.ms}). Components read a mapping
 * of a YAML tree ({@link #parse(Map, String)}), where a key may also hold a string map ({@link Type#MAP}), a
 * nested section with keys of its own ({@link Builder#defineSection}) or a structure its own parser reads
 * ({@link Builder#defineParsed}: conditions, lists of components); problems then carry their full path
 * ({@code sources[0].multiline.start}).
 *
 * <p>Immutable and thread-safe.
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
        BOOLEAN("true or false"), DURATION("a duration with its unit, such as 500ms, 30s, 5m, 1h or PT30S (a bare number has none: add ms or s)"),
        SIZE("a size in bytes such as 1048576, 512KiB, 64MiB or 1GiB"),
        LIST("a list, or a comma-separated string"), PASSWORD("a secret string"),
        MAP("a mapping of names to single values"),
        /** A nested mapping with keys of its own ({@link Builder#defineSection}). */
        SECTION("a mapping of keys to values"),
        /** A value its own parser reads ({@link Builder#defineParsed}); what it accepts is the key's. */
        PARSED("a structured value");

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
     * Reads a structured value of a {@link Type#PARSED} key from the YAML tree: maps, lists and scalars.
     *
     * @param <T> what it makes
     */
    @FunctionalInterface
    public interface Parser<T> {
        /**
         * @param raw  the key's value as it is in the tree
         * @param path where the value is, for the keys of the problems it reports
         * @throws ConfigException naming every problem with its full path
         * @throws IllegalArgumentException with what is accepted, for a value that is wrong as a whole
         */
        T parse(Object raw, String path);
    }

    /**
     * One key.
     *
     * @param defaultValue the default in its textual form, or {@code null} for none (the key is then absent
     *                     unless given)
     * @param required     whether the key must be given
     * @param section      the keys of a {@link Type#SECTION}, else null
     * @param parser       the parser of a {@link Type#PARSED} key, else null
     * @param accepted     what a {@link Type#PARSED} key accepts (for people), else the type's
     */
    public record Key(String name, Type type, String defaultValue, Validator validator, String doc, boolean required,
                      ConfigDef section, Parser<?> parser, String accepted) {
    }

    private final String kind;
    private final String name;
    private final Map<String, Key> keys;
    private final Map<String, String> passThrough;

    private ConfigDef(String kind, String name, Map<String, Key> keys, Map<String, String> passThrough) {
        this.kind = kind;
        this.name = name;
        this.keys = keys;
        this.passThrough = passThrough;
    }

    /** Keys of the broker {@code brokerType}. */
    public static Builder builder(String brokerType) {
        return new Builder("broker", brokerType);
    }

    /**
     * Keys of a component or section: {@code builder("processor", "json")}, {@code builder("section", "delivery")}.
     * Problems name it ("unknown key for processor 'json'").
     */
    public static Builder builder(String kind, String name) {
        return new Builder(kind, name);
    }

    /** What this defines the keys of: {@code broker}, {@code source}, {@code processor}, ... */
    public String kind() {
        return kind;
    }

    /** The broker or component type, or the section's name. */
    public String name() {
        return name;
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
     * Parses flat {@code config} with the {@code POLYBUS_BROKER_*} variables of {@code environment} applied on top.
     *
     * @throws ConfigException naming every unknown key and every bad value, and what each accepts
     */
    public ProviderConfig parse(Config config, Map<String, String> environment) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Map<String, Object> given = new TreeMap<>(config.asMap());
        applyEnvironment(environment, given, problems);
        return parse(given, "", problems);
    }

    /**
     * Parses one mapping of a YAML tree (placeholders already expanded, see {@link Config#readYaml}) found at
     * {@code path} ({@code ""} at the top).
     *
     * @throws ConfigException naming every problem with its full path
     */
    public ProviderConfig parse(Map<?, ?> tree, String path) {
        Map<String, Object> given = new LinkedHashMap<>();
        (tree == null ? Map.of() : tree).forEach((k, v) -> given.put(String.valueOf(k), v));
        return parse(given, path, new ArrayList<>());
    }

    private ProviderConfig parse(Map<String, Object> given, String path, List<ConfigException.Problem> problems) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> native_ = new TreeMap<>();
        for (Map.Entry<String, Object> e : given.entrySet()) {
            String key = e.getKey();
            if (key.equals(TYPE_KEY) || keys.containsKey(key)) {
                continue;
            }
            Map<String, String> flat = new TreeMap<>();
            flattenInto(key, e.getValue(), flat);
            for (Map.Entry<String, String> f : flat.entrySet()) {
                String prefix = passThroughPrefix(f.getKey());
                if (prefix != null && f.getKey().length() > prefix.length()) {
                    native_.put(f.getKey().substring(prefix.length()), f.getValue());
                } else {
                    problems.add(new ConfigException.Problem(at(path, key), null, "unknown key for " + owner()
                            + "; known keys: " + knownKeys()));
                    break;
                }
            }
        }
        for (Key key : keys.values()) {
            Object raw = given.containsKey(key.name()) ? given.get(key.name()) : key.defaultValue();
            String where = at(path, key.name());
            if (raw == null) {
                if (key.required()) {
                    problems.add(new ConfigException.Problem(where, null, "required: " + key.doc()));
                }
                continue;
            }
            Object value = value(key, raw, where, problems);
            if (value != null) {
                values.put(key.name(), value);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new ProviderConfig(name, path, values, native_);
    }

    /** The typed value of one key, or null with the problem recorded. */
    private Object value(Key key, Object raw, String where, List<ConfigException.Problem> problems) {
        try {
            switch (key.type()) {
                case SECTION -> {
                    if (!(raw instanceof Map<?, ?> m)) {
                        throw new IllegalArgumentException();
                    }
                    return key.section().parse(m, where);
                }
                case PARSED -> {
                    return key.parser().parse(raw, where);
                }
                case MAP -> {
                    return stringMap(raw, where, problems);
                }
                case LIST -> {
                    return list(raw, where, problems, key);
                }
                default -> {
                    if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
                        throw new IllegalArgumentException();
                    }
                }
            }
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return null;
        } catch (IllegalArgumentException e) {
            String accepted = key.type() == Type.PARSED ? key.accepted() : key.type().accepted();
            String detail = e.getMessage() == null || key.type() != Type.PARSED ? "" : ": " + e.getMessage();
            problems.add(new ConfigException.Problem(where, shown(key, raw), "expected " + accepted + detail));
            return null;
        }
        String text = String.valueOf(raw).trim();
        Object value;
        try {
            value = convert(key.type(), text);
        } catch (IllegalArgumentException | ArithmeticException ex) {
            problems.add(new ConfigException.Problem(where, shown(key, text), "expected " + key.type().accepted()));
            return null;
        }
        return checked(key, value, text, where, problems);
    }

    private static Object checked(Key key, Object value, Object raw, String where, List<ConfigException.Problem> problems) {
        String complaint = key.validator() == null ? null : key.validator().check(value);
        if (complaint != null) {
            problems.add(new ConfigException.Problem(where, shown(key, raw), "expected " + complaint));
            return null;
        }
        return value;
    }

    private static String shown(Key key, Object raw) {
        if (key.type() == Type.PASSWORD) {
            return "[hidden]";
        }
        return raw instanceof Map<?, ?> || raw instanceof List<?> ? null : String.valueOf(raw);
    }

    private static Map<String, String> stringMap(Object raw, String where, List<ConfigException.Problem> problems) {
        if (raw instanceof String s && s.isBlank()) {
            return Map.of();
        }
        if (!(raw instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException();
        }
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (v instanceof Map<?, ?> || v instanceof List<?>) {
                problems.add(new ConfigException.Problem(where + "." + k, null, "expected a single value"));
            } else {
                out.put(String.valueOf(k), v == null ? "" : String.valueOf(v));
            }
        });
        return Collections.unmodifiableMap(out);
    }

    @SuppressWarnings("unchecked")
    private static Object list(Object raw, String where, List<ConfigException.Problem> problems, Key key) {
        List<String> out;
        if (raw instanceof List<?> l) {
            out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                Object item = l.get(i);
                if (item instanceof Map<?, ?> || item instanceof List<?> || item == null) {
                    problems.add(new ConfigException.Problem(where + "[" + i + "]", null, "expected a single value"));
                } else {
                    out.add(String.valueOf(item));
                }
            }
            out = List.copyOf(out);
        } else if (raw instanceof Map<?, ?>) {
            throw new IllegalArgumentException();
        } else {
            out = (List<String>) convert(Type.LIST, String.valueOf(raw).trim());
        }
        return checked(key, out, raw, where, problems);
    }

    private static void flattenInto(String prefix, Object value, Map<String, String> out) {
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flattenInto(prefix + "." + k, v, out));
        } else if (value instanceof List<?> l) {
            out.put(prefix, l.stream().map(String::valueOf).collect(Collectors.joining(",")));
        } else {
            out.put(prefix, value == null ? "" : String.valueOf(value));
        }
    }

    private static String at(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private String owner() {
        return kind + " '" + name + "'";
    }

    private void applyEnvironment(Map<String, String> environment, Map<String, Object> given,
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
                problems.add(new ConfigException.Problem(e.getKey(), null, "environment variable matches no key of "
                        + owner() + "; known keys: " + knownKeys()));
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
        Set<String> known = new LinkedHashSet<>(keys.keySet());
        passThrough.keySet().forEach(p -> known.add(p + "*"));
        return String.join(", ", known);
    }

    static Object convert(Type type, String text) {
        return switch (type) {
            case STRING -> text;
            case PASSWORD -> new Password(text);
            case INT -> Integer.parseInt(text.replace("_", ""));
            case LONG -> Long.parseLong(text.replace("_", ""));
            case DOUBLE -> Double.parseDouble(text);
            case BOOLEAN -> parseBoolean(text);
            case DURATION -> parseDuration(text);
            case SIZE -> parseSize(text);
            case LIST -> text.isEmpty() ? List.of()
                    : Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            default -> throw new IllegalArgumentException(type + " is not a scalar");
        };
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

    /**
     * Parses the one duration grammar of every Polybus file: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h},
     * {@code 2d}, or ISO-8601 ({@code PT30S}); {@code 0} alone, the one number that needs no unit.
     *
     * @throws IllegalArgumentException for anything else, a bare number other than 0 included (is {@code 10} ten
     *                                  milliseconds or ten seconds? the reader should not have to guess)
     */
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
        if (m.group(2) == null && n != 0) {
            throw new IllegalArgumentException(text + " has no unit");
        }
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A duration in the grammar {@link #parseDuration} reads, in its shortest exact form: {@code 1m}, {@code 90s}, {@code 250ms}. */
    public static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1000L};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
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
        return v -> ((Duration) v).compareTo(min) >= 0 ? null : "a duration of at least " + formatDuration(min);
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

    /**
     * Renders the keys as a Markdown table, for docs and {@code --help}; the keys of a section follow it as
     * {@code section.key}.
     */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder("| key | type | default | description |\n| --- | --- | --- | --- |\n");
        rows("", sb);
        return sb.toString();
    }

    private void rows(String prefix, StringBuilder sb) {
        for (Key k : keys.values()) {
            String type = k.type() == Type.PARSED ? k.accepted() : k.type().name().toLowerCase(Locale.ROOT);
            String dflt = k.defaultValue() != null && !k.defaultValue().isEmpty() ? "`" + k.defaultValue() + "`"
                    : k.required() ? "required" : "";
            sb.append("| `").append(prefix).append(k.name()).append("` | ").append(type).append(" | ").append(dflt)
                    .append(" | ").append(k.doc()).append(" |\n");
            if (k.section() != null) {
                k.section().rows(prefix + k.name() + ".", sb);
            }
        }
        passThrough.forEach((p, doc) -> sb.append("| `").append(prefix).append(p).append("*` | | | ").append(doc).append(" |\n"));
    }

    /** Builds a {@link ConfigDef}. */
    public static final class Builder {
        private final String kind;
        private final String name;
        private final Map<String, Key> keys = new LinkedHashMap<>();
        private final Map<String, String> passThrough = new LinkedHashMap<>();

        private Builder(String kind, String name) {
            this.kind = Objects.requireNonNull(kind, "kind");
            this.name = Objects.requireNonNull(name, "name");
        }

        private Builder add(Key key) {
            if (keys.containsKey(key.name()) || key.name().equals(TYPE_KEY)) {
                throw new IllegalArgumentException("key '" + key.name() + "' is defined twice");
            }
            keys.put(key.name(), key);
            return this;
        }

        public Builder define(String name, Type type, String defaultValue, Validator validator, String doc) {
            if (type == Type.SECTION || type == Type.PARSED) {
                throw new IllegalArgumentException("define '" + name + "' with defineSection or defineParsed");
            }
            if (defaultValue != null) {
                Object parsed = convert(type == Type.MAP ? Type.STRING : type, defaultValue);
                if (validator != null && validator.check(parsed) != null) {
                    throw new IllegalArgumentException("default of '" + name + "' is not valid: " + validator.check(parsed));
                }
            }
            return add(new Key(name, type, defaultValue, validator, doc, false, null, null, type.accepted()));
        }

        public Builder define(String name, Type type, String defaultValue, String doc) {
            return define(name, type, defaultValue, null, doc);
        }

        /** A key that must be given; {@code doc} says what it is (it is the error's text when missing). */
        public Builder defineRequired(String name, Type type, Validator validator, String doc) {
            define(name, type, null, validator, doc);
            return required(name);
        }

        /** A nested mapping with the keys of {@code section}; absent unless given. */
        public Builder defineSection(String name, ConfigDef section, String doc) {
            return add(new Key(name, Type.SECTION, null, null, doc, false, section, null, Type.SECTION.accepted()));
        }

        /**
         * A structured value read by {@code parser} (a condition, a list of components); absent unless given.
         *
         * @param accepted what it accepts, for people ("a condition", "a list of processors")
         */
        public <T> Builder defineParsed(String name, String accepted, Parser<T> parser, String doc) {
            return add(new Key(name, Type.PARSED, null, null, doc, false, null, parser, accepted));
        }

        /** Adds every key (and pass-through prefix) of {@code other}, e.g. the keys a kind of component shares. */
        public Builder include(ConfigDef other) {
            other.keys.values().forEach(this::add);
            passThrough.putAll(other.passThrough);
            return this;
        }

        /** Marks already defined keys as required. */
        public Builder required(String... names) {
            for (String n : names) {
                Key k = keys.get(n);
                if (k == null) {
                    throw new IllegalArgumentException("no key '" + n + "' to mark required");
                }
                keys.put(n, new Key(k.name(), k.type(), k.defaultValue(), k.validator(), k.doc(), true, k.section(),
                        k.parser(), k.accepted()));
            }
            return this;
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
            return new ConfigDef(kind, name, Collections.unmodifiableMap(new LinkedHashMap<>(keys)),
                    Collections.unmodifiableMap(new LinkedHashMap<>(passThrough)));
        }
    }

    @Override
    public String toString() {
        return "ConfigDef[" + kind + " " + name + ": " + String.join(", ", keys.keySet()) + "]";
    }
}
