package io.polybus.monitor.internal;

import java.io.Serializable;

/**
 * Remembers event identities for a window so a redelivered or re-sent event is counted once. Bounded by both
 * time and entries; the oldest identities are forgotten first. Times must not go backwards. Not thread-safe.
 *
 * <p>Identities are kept as 64-bit hashes, about 32 bytes per entry in all (a FIFO of hash and time, and an
 * open-addressing set with linear probing at most half full), growing with use up to {@code maxEntries}: a
 * million identities take about 32 MB. Two identities with the same hash would make the second look like a
 * duplicate; among a million remembered identities that chance is about 1 in 30 million.
 */
public final class Deduplicator implements Serializable {
    private static final long serialVersionUID = 1;
    private static final long EMPTY = 0;
    private static final int INITIAL = 1024;

    private final long windowMillis;
    private final int maxEntries;
    /** FIFO of remembered hashes and their times, oldest at {@code head}. */
    private long[] fifoHash;
    private long[] fifoTime;
    private int head;
    private int size;
    /** Open-addressing set of the hashes in the FIFO; {@link #EMPTY} marks a free slot. */
    private long[] table;
    private int mask;

    public Deduplicator(long windowMillis, int maxEntries) {
        this.windowMillis = windowMillis;
        this.maxEntries = maxEntries;
        allocate(Math.min(INITIAL, maxEntries));
    }

    private void allocate(int capacity) {
        fifoHash = new long[capacity];
        fifoTime = new long[capacity];
        int slots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1;
        table = new long[slots];
        mask = slots - 1;
    }

    /** Whether {@code identity} is new within the window; remembers it when it is. */
    public boolean firstSeen(String identity, long nowMillis) {
        evict(nowMillis);
        long hash = hash(identity);
        int slot = (int) hash & mask;
        while (table[slot] != EMPTY) {
            if (table[slot] == hash) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        if (size == fifoHash.length) {
            if (size < maxEntries) {
                grow();
            } else {
                removeOldest();
            }
        }
        insert(hash);
        int tail = (head + size) % fifoHash.length;
        fifoHash[tail] = hash;
        fifoTime[tail] = nowMillis;
        size++;
        return true;
    }

    /** Forgets the identities older than the window. */
    public void evict(long nowMillis) {
        while (size > 0 && fifoTime[head] <= nowMillis - windowMillis) {
            removeOldest();
        }
    }

    /** Whether {@code other} remembers as long and as many identities, so that it can stand in for this one. */
    boolean sameShape(Deduplicator other) {
        return other.windowMillis == windowMillis && other.maxEntries == maxEntries;
    }

    public int size() {
        return size;
    }

    private void grow() {
        long[] hashes = fifoHash;
        long[] times = fifoTime;
        int oldHead = head;
        allocate((int) Math.min((long) hashes.length * 2, maxEntries));
        for (int i = 0; i < size; i++) {
            int from = (oldHead + i) % hashes.length;
            fifoHash[i] = hashes[from];
            fifoTime[i] = times[from];
            insert(hashes[from]);
        }
        head = 0;
    }

    private void insert(long hash) {
        int slot = (int) hash & mask;
        while (table[slot] != EMPTY) {
            slot = (slot + 1) & mask;
        }
        table[slot] = hash;
    }

    private void removeOldest() {
        long hash = fifoHash[head];
        head = (head + 1) % fifoHash.length;
        size--;
        int slot = (int) hash & mask;
        while (table[slot] != hash) {
            slot = (slot + 1) & mask;
        }
        // backward-shift deletion keeps every probe chain unbroken without tombstones
        int free = slot;
        int next = (free + 1) & mask;
        while (table[next] != EMPTY) {
            int home = (int) table[next] & mask;
            if (((next - home) & mask) >= ((next - free) & mask)) {
                table[free] = table[next];
                free = next;
            }
            next = (next + 1) & mask;
        }
        table[free] = EMPTY;
    }

    /** A 64-bit FNV-1a hash of the identity, finalised with MurmurHash3's mixer; never {@link #EMPTY}. */
    static long hash(String identity) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < identity.length(); i++) {
            h ^= identity.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == EMPTY ? 1 : h;
    }
}
