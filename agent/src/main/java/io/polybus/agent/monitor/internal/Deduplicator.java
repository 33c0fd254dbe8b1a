package io.polybus.agent.monitor.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers event identities for a window so a redelivered or re-sent event is counted once. Bounded by both
 * time and entries; the oldest identities are forgotten first. Times must not go backwards. Not thread-safe.
 */
public final class Deduplicator {
    private final long windowMillis;
    private final int maxEntries;
    private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

    public Deduplicator(long windowMillis, int maxEntries) {
        this.windowMillis = windowMillis;
        this.maxEntries = maxEntries;
    }

    /** Whether {@code identity} is new within the window; remembers it when it is. */
    public boolean firstSeen(String identity, long nowMillis) {
        evict(nowMillis);
        if (seen.containsKey(identity)) {
            return false;
        }
        seen.put(identity, nowMillis);
        if (seen.size() > maxEntries) {
            Iterator<Long> it = seen.values().iterator();
            it.next();
            it.remove();
        }
        return true;
    }

    public void evict(long nowMillis) {
        Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
        while (it.hasNext() && it.next().getValue() <= nowMillis - windowMillis) {
            it.remove();
        }
    }

    public int size() {
        return seen.size();
    }
}
