package io.polybus.monitor.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeduplicatorTest {

    @Test
    void forgetsIdentitiesOlderThanTheWindow() {
        Deduplicator d = new Deduplicator(60_000, 100);
        assertTrue(d.firstSeen("f@1", 0));
        assertFalse(d.firstSeen("f@1", 59_999));
        assertTrue(d.firstSeen("f@1", 60_000));
        assertEquals(1, d.size());
    }

    @Test
    void forgetsTheOldestWhenFull() {
        Deduplicator d = new Deduplicator(60_000, 3);
        for (String id : new String[]{"a", "b", "c", "d"}) {
            assertTrue(d.firstSeen(id, 0));
        }
        assertEquals(3, d.size());
        assertFalse(d.firstSeen("d", 1));
        assertTrue(d.firstSeen("a", 1), "the oldest was forgotten");
    }

    @Test
    void agreesWithAPlainSetUnderChurn() {
        Random random = new Random(7);
        int max = 5000;
        Deduplicator d = new Deduplicator(1000, max);
        ArrayDeque<long[]> fifo = new ArrayDeque<>();
        ArrayDeque<String> ids = new ArrayDeque<>();
        Set<String> set = new HashSet<>();
        long now = 0;
        for (int i = 0; i < 200_000; i++) {
            now += random.nextInt(3);
            while (!fifo.isEmpty() && fifo.peekFirst()[0] <= now - 1000) {
                fifo.removeFirst();
                set.remove(ids.removeFirst());
            }
            String id = "2049:" + random.nextInt(20_000) + "@" + random.nextInt(3);
            boolean expected = !set.contains(id);
            if (expected) {
                if (set.size() == max) {
                    fifo.removeFirst();
                    set.remove(ids.removeFirst());
                }
                set.add(id);
                fifo.addLast(new long[]{now});
                ids.addLast(id);
            }
            assertEquals(expected, d.firstSeen(id, now), "event " + i);
            assertEquals(set.size(), d.size());
        }
    }
}
