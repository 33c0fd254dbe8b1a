package io.polybus.processors.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The results of the latest lookups, least recently used out first: the same few thousand client addresses and
 * browsers make most of a web server's traffic. One per processor, so one per source thread; not thread-safe.
 */
final class LookupCache<V> {
    private final int capacity;
    private final Map<String, V> entries;

    LookupCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(Math.min(capacity, 1024) * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > LookupCache.this.capacity;
            }
        };
    }

    /** The cached value of {@code key}, or {@code lookup}'s (then cached; a capacity of 0 caches nothing). */
    V get(String key, Function<String, V> lookup) {
        V v = entries.get(key);
        if (v != null) {
            return v;
        }
        v = lookup.apply(key);
        if (capacity > 0) {
            entries.put(key, v);
        }
        return v;
    }
}
