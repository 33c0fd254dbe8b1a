package io.polybus.spi;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrderedWorkersTest {

    @Test
    void tasksOfOneLaneRunInOrder() throws Exception {
        OrderedWorkers workers = new OrderedWorkers("test", 4);
        Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(10_000);
        for (int i = 0; i < 10_000; i++) {
            int lane = i % 7;
            int n = i;
            workers.execute(lane, () -> {
                seen.computeIfAbsent(lane, k -> Collections.synchronizedList(new ArrayList<>())).add(n);
                done.countDown();
            });
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertTrue(workers.shutdown(Duration.ofSeconds(30)).isEmpty());
        assertEquals(7, seen.size());
        seen.forEach((lane, list) -> {
            for (int i = 1; i < list.size(); i++) {
                assertTrue(list.get(i - 1) < list.get(i), "lane " + lane + " out of order");
            }
        });
    }

    @Test
    void shutdownReturnsTasksThatNeverStarted() throws Exception {
        OrderedWorkers workers = new OrderedWorkers("test", 1);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        workers.execute(0, () -> {
            started.countDown();
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        workers.execute(0, () -> { });
        workers.execute(0, () -> { });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        // The running task outlives the short timeout and is interrupted; the two queued ones never start.
        assertEquals(2, workers.shutdown(Duration.ofMillis(100)).size());
    }
}
