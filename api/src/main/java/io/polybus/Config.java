package io.polybus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.polybus.internal.Placeholders;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Flat, immutable configuration: dotted keys to string values ({@code type=kafka},
 * {@code bootstrap-servers=localhost:9092}, {@code kafka.linger.ms=5}). Nested maps from YAML or code are
 * flattened with dots; lists become comma-separated values.
 *
 * <p>Values read from YAML may use {@code ${NAME}}, {@code ${NAME:-default}} (environment variables) and
 * {@code ${file:/path}} (the trimmed content of a file, e.g. a mounted secret); {@code $${} stays literal.
 * What a key means and accepts is defined by the provider's {@link io.polybus.spi.ConfigDef}.
 */
public final class Config {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Config EMPTY = new Config(Map.of());

    private final Map<String, String> values;

    private Config(Map<String, String> values) {
        this.values = values;
    }

    public static Config empty() {
        return EMPTY;
    }

    /**
     * From a map whose values are scalars, nested maps (flattened with dots) or lists (comma-joined).
     * Values are taken as they are: no placeholders are expanded.
     */
    public static Config of(Map<String, ?> map) {
        Map<String, String> flat = new TreeMap<>();
        flatten("", map, flat);
        return new Config(Collections.unmodifiableMap(flat));
    }

    /** From {@code key=value} pairs: {@code Config.of("type", "memory", "name", "test")}. */
    public static Config of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs");
        }
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return new Config(Collections.unmodifiableMap(map));
    }

    public static Config fromProperties(Properties properties) {
        Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(k -> map.put(k, properties.getProperty(k)));
        return new Config(Collections.unmodifiableMap(map));
    }

    /** Reads a YAML file, expanding placeholders with the process environment. */
    public static Config fromYaml(Path file) {
        return fromYaml(readFile(file), System::getenv);
    }

    /**
     * The text of a configuration file.
     *
     * @throws ConfigException naming the file when it is missing or cannot be read
     */
    public static String readFile(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), null, "configuration file not found");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), null, "cannot read configuration file: " + e.getMessage());
        }
    }

    /** Parses YAML text, expanding placeholders with {@code environment}. */
    public static Config fromYaml(String yaml, Function<String, String> environment) {
        return of(readYaml(yaml, environment));
    }

    /**
     * Parses a YAML document into its tree (maps, lists and scalars, in document order) and expands
     * {@code ${NAME}}, {@code ${NAME:-default}} and {@code ${file:/path}} in every string in it, once. This is
     * the one place placeholders are expanded: every section of a Polybus file (broker, agent, monitor, sinks,
     * workloads) is read from this tree.
     *
     * @throws ConfigException for YAML that does not parse (with the line), a document that is not a mapping,
     *                         and every placeholder that cannot be expanded (with its path, never a value)
     */
    public static Map<String, Object> readYaml(String yaml, Function<String, String> environment) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Map<String, Object> tree = readYaml(yaml, environment, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return tree;
    }

    /**
     * Like {@link #readYaml(String, Function)}, but a placeholder that cannot be expanded is added to
     * {@code problems} and left as written, so that the caller can report it with the problems of the sections.
     *
     * @throws ConfigException for YAML that does not parse, or a document that is not a mapping
     */
    public static Map<String, Object> readYaml(String yaml, Function<String, String> environment,
                                               List<ConfigException.Problem> problems) {
        Object tree;
        try {
            tree = YAML.readValue(yaml, Object.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException("yaml", null, "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
        if (tree == null) {
            return new LinkedHashMap<>();
        }
        if (!(tree instanceof Map<?, ?>)) {
            throw new ConfigException("yaml", null, "the document must be a mapping of keys to values");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> expanded = (Map<String, Object>) expandTree(tree, "", environment, problems);
        return expanded;
    }

    private static Object expandTree(Object node, String path, Function<String, String> environment,
                                     List<ConfigException.Problem> problems) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                String key = String.valueOf(k);
                out.put(key, expandTree(v, path.isEmpty() ? key : path + "." + key, environment, problems));
            });
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                out.add(expandTree(list.get(i), path + "[" + i + "]", environment, problems));
            }
            return out;
        }
        if (node instanceof String s) {
            try {
                return Placeholders.resolve(s, environment);
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigException.Problem(path, null, e.getMessage()));
                return s;
            }
        }
        return node;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, out);
            } else if (v instanceof List<?> list) {
                out.put(key, list.stream().map(String::valueOf).collect(Collectors.joining(",")));
            } else if (v != null) {
                out.put(key, String.valueOf(v));
            }
        }
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Set<String> keys() {
        return values.keySet();
    }

    /** Unmodifiable, sorted by key. */
    public Map<String, String> asMap() {
        return values;
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** The keys under {@code prefix.}, with that prefix removed: {@code section("broker")}. */
    public Config section(String prefix) {
        String p = prefix.endsWith(".") ? prefix : prefix + ".";
        Map<String, String> map = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(p)) {
                map.put(k.substring(p.length()), v);
            }
        });
        return new Config(Collections.unmodifiableMap(map));
    }

    /** A copy with {@code key} set to {@code value}. */
    public Config with(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Map<String, String> map = new TreeMap<>(values);
        map.put(key, value);
        return new Config(Collections.unmodifiableMap(map));
    }

    /** A copy where the keys of {@code overrides} replace this one's. */
    public Config withAll(Config overrides) {
        Map<String, String> map = new TreeMap<>(values);
        map.putAll(overrides.values);
        return new Config(Collections.unmodifiableMap(map));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Config c && c.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** Keys only: values may hold secrets. */
    @Override
    public String toString() {
        return "Config" + values.keySet();
    }
}
