package io.polybus.agent.internal;

import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A strict reader over one mapping of the YAML tree. Every read names its key; problems are collected (not
 * thrown) with the key's full path, so one run reports all of them; {@link #finish()} reports every key that
 * was never read as unknown. Scalars have their {@code ${VAR}} placeholders expanded when read.
 */
public final class ConfigNode {
    private final Map<?, ?> map;
    private final String path;
    private final List<ConfigException.Problem> problems;
    private final Function<String, String> environment;
    private final Set<String> read = new LinkedHashSet<>();

    public ConfigNode(Map<?, ?> map, String path, List<ConfigException.Problem> problems,
                      Function<String, String> environment) {
        this.map = map == null ? Map.of() : map;
        this.path = path;
        this.problems = problems;
        this.environment = environment;
    }

    public String path() {
        return path;
    }

    public String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public boolean has(String key) {
        return map.containsKey(key);
    }

    public void problem(String key, Object value, String accepted) {
        problems.add(new ConfigException.Problem(pathOf(key), value == null ? null : String.valueOf(value), accepted));
    }

    /** Records a problem on this node itself. */
    public void problem(String accepted) {
        problems.add(new ConfigException.Problem(path, null, accepted));
    }

    private Object raw(String key) {
        read.add(key);
        return map.get(key);
    }

    private String scalar(String key) {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            problem(key, null, "expected a single value, not a " + (v instanceof Map ? "mapping" : "list"));
            return null;
        }
        try {
            return Config.expand(String.valueOf(v), environment);
        } catch (IllegalArgumentException e) {
            problem(key, null, e.getMessage());
            return null;
        }
    }

    public String string(String key, String defaultValue) {
        String v = scalar(key);
        return v == null ? defaultValue : v;
    }

    /** A required string; records a problem and returns {@code null} when missing or blank. */
    public String required(String key, String what) {
        String v = scalar(key);
        if (v == null || v.isBlank()) {
            problem(key, null, "required: " + what);
            return null;
        }
        return v;
    }

    public String oneOf(String key, String defaultValue, String... allowed) {
        String v = string(key, defaultValue);
        for (String a : allowed) {
            if (a.equalsIgnoreCase(v)) {
                return a;
            }
        }
        problem(key, v, "expected one of " + String.join(", ", allowed));
        return defaultValue;
    }

    public boolean bool(String key, boolean defaultValue) {
        String v = scalar(key);
        if (v == null) {
            return defaultValue;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        problem(key, v, "expected true or false");
        return defaultValue;
    }

    public int integer(String key, int defaultValue, int min, int max) {
        String v = scalar(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problem(key, v, "expected a whole number from " + min + " to " + max);
        return defaultValue;
    }

    public Duration duration(String key, Duration defaultValue, Duration min) {
        String v = scalar(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            Duration d = ConfigDef.parseDuration(v);
            if (d.compareTo(min) >= 0) {
                return d;
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        problem(key, v, "expected a duration of at least " + min.toMillis() + "ms, such as 500ms, 30s, 5m or 1h");
        return defaultValue;
    }

    public long size(String key, long defaultValue, long min, long max) {
        String v = scalar(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            long n = ConfigDef.parseSize(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (IllegalArgumentException | ArithmeticException ignored) {
            // reported below
        }
        problem(key, v, "expected a size from " + min + " to " + max + " bytes, such as 4096, 512KiB or 1MiB");
        return defaultValue;
    }

    public Pattern pattern(String key) {
        String v = scalar(key);
        if (v == null) {
            return null;
        }
        try {
            return Pattern.compile(v);
        } catch (PatternSyntaxException e) {
            problem(key, v, "expected a Java regular expression: " + e.getDescription());
            return null;
        }
    }

    /** A list of strings; a single scalar is a list of one. */
    public List<String> strings(String key) {
        Object v = raw(key);
        if (v == null) {
            return List.of();
        }
        List<?> items = v instanceof List<?> l ? l : List.of(v);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (item instanceof Map<?, ?> || item instanceof List<?>) {
                problem(key + "[" + i + "]", null, "expected a string");
                continue;
            }
            try {
                out.add(Config.expand(String.valueOf(item), environment));
            } catch (IllegalArgumentException e) {
                problem(key + "[" + i + "]", null, e.getMessage());
            }
        }
        return out;
    }

    /** A mapping of names to scalar values (placeholders expanded), in order. */
    public Map<String, String> stringMap(String key) {
        Object v = raw(key);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            problem(key, null, "expected a mapping of names to values");
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?>) {
                problem(key + "." + name, null, "expected a single value");
                continue;
            }
            try {
                out.put(name, e.getValue() == null ? "" : Config.expand(String.valueOf(e.getValue()), environment));
            } catch (IllegalArgumentException ex) {
                problem(key + "." + name, null, ex.getMessage());
            }
        }
        return out;
    }

    /** The raw value of {@code key} with placeholders left alone (for sections handed on as a whole). */
    public Object rawValue(String key) {
        return raw(key);
    }

    /** A nested mapping; an absent key is an empty node. */
    public ConfigNode child(String key) {
        Object v = raw(key);
        if (v != null && !(v instanceof Map<?, ?>)) {
            problem(key, null, "expected a mapping of keys to values");
            v = null;
        }
        return new ConfigNode((Map<?, ?>) v, pathOf(key), problems, environment);
    }

    /** A list of mappings, each as a node named {@code key[i]}. */
    public List<ConfigNode> children(String key) {
        Object v = raw(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            problem(key, null, "expected a list");
            return List.of();
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            String p = pathOf(key) + "[" + i + "]";
            if (item instanceof Map<?, ?> m) {
                out.add(new ConfigNode(m, p, problems, environment));
            } else {
                problems.add(new ConfigException.Problem(p, null, "expected a mapping of keys to values"));
            }
        }
        return out;
    }

    /** Reports every key of this mapping that no read asked for. */
    public void finish() {
        List<String> known = new ArrayList<>(read);
        for (Object k : map.keySet()) {
            String key = String.valueOf(k);
            if (!read.contains(key)) {
                problems.add(new ConfigException.Problem(pathOf(key), null, "unknown key; known keys here: "
                        + String.join(", ", known)));
            }
        }
    }
}
