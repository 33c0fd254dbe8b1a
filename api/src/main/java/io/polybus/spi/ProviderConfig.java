package io.polybus.spi;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A provider's configuration after {@link ConfigDef#parse}: every value typed and valid. The getters
 * throw {@link NoSuchElementException} only for keys that were neither given nor defaulted.
 */
public final class ProviderConfig {
    private final String brokerType;
    private final Map<String, Object> values;
    private final Map<String, String> passThrough;

    ProviderConfig(String brokerType, Map<String, Object> values, Map<String, String> passThrough) {
        this.brokerType = brokerType;
        this.values = Map.copyOf(values);
        this.passThrough = Map.copyOf(passThrough);
    }

    public String brokerType() {
        return brokerType;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    private Object get(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new NoSuchElementException("configuration key '" + key + "' of broker '" + brokerType + "' has no value");
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
        return "ProviderConfig[" + brokerType + ": " + values.keySet() + " + " + passThrough.keySet() + "]";
    }
}
