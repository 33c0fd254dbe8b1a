package io.polybus.spi;

import io.polybus.Backpressure;
import io.polybus.BufferFullException;
import io.polybus.ClosedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InFlightLimiterTest {

    @Test
    void failFastWhenFullAndRoomAfterRelease() {
        InFlightLimiter limiter = new InFlightLimiter(100, Backpressure.FAIL, Duration.ZERO);
        limiter.acquire(60);
        BufferFullException e = assertThrows(BufferFullException.class, () -> limiter.acquire(60));
        assertTrue(e.getMessage().contains("100"), e.getMessage());
        limiter.release(60);
        limiter.acquire(60);
        assertEquals(60, limiter.inFlightBytes());
    }

    @Test
    void aMessageLargerThanTheBoundPassesAlone() {
        InFlightLimiter limiter = new InFlightLimiter(100, Backpressure.FAIL, Duration.ZERO);
        limiter.acquire(500);
        assertThrows(BufferFullException.class, () -> limiter.acquire(1));
    }

    @Test
    void blockWaitsForRoomThenTimesOut() throws Exception {
        InFlightLimiter limiter = new InFlightLimiter(100, Backpressure.BLOCK, Duration.ofSeconds(30));
        limiter.acquire(100);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> limiter.acquire(50));
        assertFalse(waiting.isDone());
        limiter.release(100);
        waiting.get(10, TimeUnit.SECONDS);

        InFlightLimiter short_ = new InFlightLimiter(10, Backpressure.BLOCK, Duration.ofMillis(50));
        short_.acquire(10);
        assertThrows(BufferFullException.class, () -> short_.acquire(1));
    }

    @Test
    void aFullLimiterLetsWaitingSendersOnOnceAnEighthIsFree() throws Exception {
        InFlightLimiter limiter = new InFlightLimiter(800, Backpressure.BLOCK, Duration.ofSeconds(30));
        for (int i = 0; i < 8; i++) {
            limiter.acquire(100);
        }
        CompletableFuture<Void> small = new CompletableFuture<>();
        CompletableFuture<Void> large = new CompletableFuture<>();
        Thread smallSender = waitingSender(limiter, 50, small);
        Thread largeSender = waitingSender(limiter, 300, large);

        limiter.release(100);
        small.get(10, TimeUnit.SECONDS);
        assertFalse(large.isDone());
        for (int i = 0; i < 3; i++) {
            limiter.release(100);
        }
        large.get(10, TimeUnit.SECONDS);
        assertEquals(750, limiter.inFlightBytes());
        smallSender.join(10_000);
        largeSender.join(10_000);
    }

    /** Starts a thread that acquires {@code bytes}, and returns once it waits for room. */
    private static Thread waitingSender(InFlightLimiter limiter, long bytes, CompletableFuture<Void> done) {
        Thread t = new Thread(() -> {
            limiter.acquire(bytes);
            done.complete(null);
        });
        t.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
        return t;
    }

    @Test
    void closeWakesWaiters() throws Exception {
        InFlightLimiter limiter = new InFlightLimiter(10, Backpressure.BLOCK, Duration.ofSeconds(30));
        limiter.acquire(10);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> limiter.acquire(5));
        limiter.close();
        Exception e = assertThrows(Exception.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof ClosedException, String.valueOf(e.getCause()));
    }

    @Test
    void awaitEmptyIsBounded() {
        InFlightLimiter limiter = new InFlightLimiter(10, Backpressure.FAIL, Duration.ZERO);
        limiter.acquire(5);
        assertFalse(limiter.awaitEmpty(Duration.ofMillis(50)));
        limiter.release(5);
        assertTrue(limiter.awaitEmpty(Duration.ofMillis(50)));
    }
}
