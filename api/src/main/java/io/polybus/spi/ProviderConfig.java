package io.polybus.spi;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A configuration after {@link ConfigDef#parse}: every value typed and valid. The getters throw
 * {@link NoSuchElementException} only for keys that were neither given nor defaulted. Immutable.
 */
public final class ProviderConfig {
    private final String type;
    private final String path;
    private final Map<String, Object> values;
    private final Map<String, String> passThrough;

    ProviderConfig(String type, String path, Map<String, Object> values, Map<String, String> passThrough) {
        this.type = type;
        this.path = path;
        this.values = Map.copyOf(values);
        this.passThrough = Map.copyOf(passThrough);
    }

    /** The broker or component type (or the section's name) the keys were parsed for. */
    public String type() {
        return type;
    }

    /**
     * Where in its file this configuration was ({@code sources[0].processors[1]}), for messages that name a
     * key found wrong later; empty for a broker's flat keys.
     */
    public String path() {
        return path;
    }

    /** The full path of {@code key}, for an error about it. */
    public String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    private Object get(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new NoSuchElementException("configuration key '" + pathOf(key) + "' of '" + type + "' has no value");
        }
        return v;
    }

    public String getString(String key) {
        return (String) get(key);
    }

    public Optional<String> findString(String key) {
        return Optional.ofNullable((String) values.get(key));
    }

    public int getInt(String key) {
        return (Integer) get(key);
    }

    public long getLong(String key) {
        return (Long) get(key);
    }

    public double getDouble(String key) {
        return (Double) get(key);
    }

    public boolean getBoolean(String key) {
        return (Boolean) get(key);
    }

    public Duration getDuration(String key) {
        return (Duration) get(key);
    }

    /** A {@link ConfigDef.Type#SIZE} in bytes. */
    public long getSize(String key) {
        return (Long) get(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String key) {
        return (List<String>) get(key);
    }

    /** A {@link ConfigDef.Type#MAP}, in the order given; empty when absent. */
    @SuppressWarnings("unchecked")
    public Map<String, String> getMap(String key) {
        Object v = values.get(key);
        return v == null ? Map.of() : (Map<String, String>) v;
    }

    /** A {@link ConfigDef.Type#SECTION}, when given. */
    public Optional<ProviderConfig> findSection(String key) {
        return Optional.ofNullable((ProviderConfig) values.get(key));
    }

    /** What the parser of a {@link ConfigDef.Type#PARSED} key made, when given. */
    public <T> Optional<T> find(String key, Class<T> type) {
        return Optional.ofNullable(type.cast(values.get(key)));
    }

    /** What the parser of a required {@link ConfigDef.Type#PARSED} key made. */
    public <T> T get(String key, Class<T> type) {
        return type.cast(get(key));
    }

    public Optional<Password> findPassword(String key) {
        return Optional.ofNullable((Password) values.get(key));
    }

    /** A string key validated with {@link ConfigDef#oneOf}, as an enum constant (case-insensitive). */
    public <E extends Enum<E>> E getEnum(String key, Class<E> type) {
        return Enum.valueOf(type, getString(key).toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** The pass-through keys with their prefix removed (e.g. {@code linger.ms} for {@code kafka.linger.ms}). */
    public Map<String, String> passThrough() {
        return passThrough;
    }

    /** Key names only: values may be secrets. */
    @Override
    public String toString() {
        return "ProviderConfig[" + type + ": " + values.keySet() + " + " + passThrough.keySet() + "]";
    }
}
