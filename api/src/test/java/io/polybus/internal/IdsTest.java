package io.polybus.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdsTest {

    @Test
    void idsArePrefixAndHexCounterAndUniqueAcrossThreads() throws InterruptedException {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 50_000; i++) {
                    seen.add(Ids.next());
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(200_000, seen.size());

        String a = Ids.next();
        String b = Ids.next();
        assertTrue(a.matches("[0-9a-z]+-[1-9a-f][0-9a-f]*"), a);
        String prefix = a.substring(0, a.indexOf('-') + 1);
        assertTrue(b.startsWith(prefix), b);
        assertEquals(Long.parseLong(a.substring(prefix.length()), 16) + 1, Long.parseLong(b.substring(prefix.length()), 16));
    }
}
