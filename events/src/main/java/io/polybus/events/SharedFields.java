package io.polybus.events;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fields that many events carry alike, such as the result of a lookup a processor caches (the location of a client
 * address, the browser of a User-Agent header): immutable, so one instance can be set into every event that needs
 * it without a copy, and written to JSON once, when it is made, instead of once per event.
 *
 * <p>Set it with {@link LogEvent#set}. Changing a field under it through {@link LogEvent#set} or {@link LogEvent#remove}
 * replaces it in that event with a modifiable copy first, so other events keep theirs. Thread-safe.
 */
public final class SharedFields extends AbstractMap<String, Object> {
    private final Map<String, Object> fields;
    private final byte[] json;

    private SharedFields(Map<String, Object> fields) {
        this.fields = Collections.unmodifiableMap(fields);
        this.json = EventWriter.objectJson(this.fields);
    }

    /**
     * An immutable copy of {@code fields}, in their order; nested maps become {@code SharedFields} too, and lists
     * become immutable copies.
     */
    public static SharedFields of(Map<String, ?> fields) {
        if (fields instanceof SharedFields shared) {
            return shared;
        }
        Map<String, Object> copy = new LinkedHashMap<>(fields.size() * 2);
        fields.forEach((k, v) -> copy.put(k, frozen(v)));
        return new SharedFields(copy);
    }

    @SuppressWarnings("unchecked")
    private static Object frozen(Object v) {
        if (v instanceof Map<?, ?> m) {
            return of((Map<String, ?>) m);
        }
        if (v instanceof List<?> list) {
            return list.stream().map(SharedFields::frozen).toList();
        }
        return v;
    }

    /** The fields as a JSON object, as {@link EventWriter} writes them. */
    byte[] json() {
        return json;
    }

    /** A modifiable copy, its nested maps still shared. */
    Map<String, Object> modifiable() {
        return new LinkedHashMap<>(fields);
    }

    @Override
    public Object get(Object key) {
        return fields.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return fields.containsKey(key);
    }

    @Override
    public int size() {
        return fields.size();
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return fields.entrySet();
    }
}
