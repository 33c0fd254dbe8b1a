package io.polybus.spi;

import io.polybus.ConsumerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded wait of {@code Consumer.close()} (CONTRACT 8): first for the dispatching thread, which may be
 * running a handler itself, then for the worker lanes, all within the consumer's {@code closeTimeout}. What is
 * still running after that is left to finish on its own; its delivery is redelivered.
 */
public final class HandlerShutdown {
    private static final Logger log = LoggerFactory.getLogger(HandlerShutdown.class);

    private HandlerShutdown() {
    }

    /**
     * Waits for {@code dispatcher} to end (unless called from it) and then shuts {@code workers} down.
     * The caller has already told the dispatcher to stop and woken it.
     *
     * @param workers the consumer's lanes, or null when handlers run on the dispatcher
     * @return the worker tasks that never started (their deliveries are still unsettled)
     */
    public static List<Runnable> await(Thread dispatcher, OrderedWorkers workers, ConsumerOptions options) {
        long deadline = System.nanoTime() + options.closeTimeout().toNanos();
        if (Thread.currentThread() != dispatcher) {
            try {
                dispatcher.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (dispatcher.isAlive()) {
                log.warn("a handler of group '{}' on topic '{}' is still running after {}; its delivery will be redelivered",
                        options.group(), options.topic(), options.closeTimeout());
            }
        }
        return workers == null ? List.of() : workers.shutdown(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /**
     * Waits (until {@code deadlineNanos}, a {@link System#nanoTime()} value) for a handler that runs on the
     * client's own dispatch thread while holding {@code handlerLock}; logs when it is still running then.
     */
    public static void awaitInline(ReentrantLock handlerLock, long deadlineNanos, ConsumerOptions options) {
        try {
            if (handlerLock.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                handlerLock.unlock();
            } else {
                log.warn("a handler of group '{}' on topic '{}' is still running after {}; its delivery will be redelivered",
                        options.group(), options.topic(), options.closeTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits (until {@code deadlineNanos}) for the broker to answer what the consumer published to settle deliveries
     * (requeue copies, dead letters), so that their originals are settled before the consumer's connection closes.
     */
    public static void awaitSettling(Collection<? extends CompletableFuture<?>> pending, long deadlineNanos,
                                     ConsumerOptions options) {
        if (pending.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("requeue/dead-letter publishes of group '{}' not all answered before close: {}",
                    options.group(), e.toString());
        }
    }
}
