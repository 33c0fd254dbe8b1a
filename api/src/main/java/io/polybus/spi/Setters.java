package io.polybus.spi;

import io.polybus.ConfigException;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A client library's own settings by name, through its setters: {@code setReconnectAttempts(int)} is the setting
 * {@code reconnectAttempts}. For broker modules that pass native settings through (under a prefix such as
 * {@code artemis.}) to a client object configured by setters rather than by a map of properties. Only setters of
 * one {@code int}, {@code long}, {@code double}, {@code boolean} or {@code String} count. Immutable and thread-safe.
 */
public final class Setters {
    private final Map<String, Method> byName;

    private Setters(Map<String, Method> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** The setters of {@code type}'s public methods. */
    public static Setters of(Class<?> type) {
        Map<String, Method> byName = new HashMap<>();
        for (Method m : type.getMethods()) {
            if (m.getName().startsWith("set") && m.getName().length() > 3 && m.getParameterCount() == 1
                    && accepted(m.getParameterTypes()[0]) != null) {
                byName.put(Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4), m);
            }
        }
        return new Setters(byName);
    }

    /** The settings' names, as {@code reconnectAttempts}. */
    public Set<String> names() {
        return byName.keySet();
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /**
     * Sets each of {@code settings} that {@code target} has a setter for; the others are left alone.
     *
     * @param prefix how the settings are named in the configuration, for the problems ({@code artemis.})
     * @param secret which names hold secrets, whose values a problem hides
     * @return a problem per value of the wrong type, naming the key and what it takes; empty when all were set
     */
    public List<ConfigException.Problem> apply(Object target, Map<String, String> settings, String prefix,
                                               Predicate<String> secret) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        settings.forEach((name, value) -> {
            Method setter = byName.get(name);
            if (setter == null) {
                return;
            }
            Class<?> type = setter.getParameterTypes()[0];
            try {
                setter.invoke(target, convert(type, value));
            } catch (IllegalArgumentException | IllegalAccessException | InvocationTargetException e) {
                problems.add(new ConfigException.Problem(prefix + name, secret.test(name) ? "[hidden]" : value,
                        "expected " + accepted(type)));
            }
        });
        return problems;
    }

    private static String accepted(Class<?> type) {
        if (type == int.class || type == long.class) {
            return "a whole number";
        }
        if (type == double.class) {
            return "a number";
        }
        if (type == boolean.class) {
            return "true or false";
        }
        return type == String.class ? "a string" : null;
    }

    private static Object convert(Class<?> type, String value) {
        String v = value.trim();
        if (type == int.class) {
            return Integer.parseInt(v);
        }
        if (type == long.class) {
            return Long.parseLong(v);
        }
        if (type == double.class) {
            return Double.parseDouble(v);
        }
        if (type == boolean.class) {
            return ConfigDef.parseBoolean(v);
        }
        return value;
    }
}
