package io.polybus.monitor.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.monitor.Alert;
import io.polybus.monitor.Notifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs one notifier on a thread of its own with a bounded queue of notices, so a slow or failing notifier
 * never holds up rule evaluation. A full queue drops the notice (counted and logged). Thread-safe.
 *
 * <p>As a {@link MeterBinder}: {@code polybus.monitor.notifications} by {@code outcome}, tagged with the
 * notifier's name, and the notifier's own meters when it is a {@link MeterBinder} too.
 */
public final class NotifierDispatch implements AutoCloseable, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(NotifierDispatch.class);
    private static final int QUEUE = 1024;

    private final String name;
    private final Notifier notifier;
    private final ThreadPoolExecutor executor;
    private final LongAdder sent = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    public NotifierDispatch(String name, Notifier notifier) {
        this.name = name;
        this.notifier = notifier;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "polybus-monitor-notifier-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "sent", sent);
        counter(registry, "failed", failed);
        counter(registry, "dropped", dropped);
        if (notifier instanceof MeterBinder meters) {
            meters.bindTo(registry);
        }
    }

    private void counter(MeterRegistry registry, String outcome, LongAdder count) {
        FunctionCounter.builder("polybus.monitor.notifications", count, LongAdder::sum).tag("notifier", name)
                .tag("outcome", outcome).description("Alert notices handed to a notifier, by outcome").register(registry);
    }
    /**
     * Queues a notice; never blocks.
     *
     * @return completes once the notifier has sent the notice or failed to, or at once when the notice is dropped
     */
    public CompletableFuture<Void> submit(Alert alert) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                deliver(alert);
                done.complete(null);
            });
        } catch (RejectedExecutionException e) {
            dropped.increment();
            log.warn("notifier '{}' is {}; dropped {} notice {}", name, executor.isShutdown() ? "closed" : "backed up ("
                    + QUEUE + " notices queued)", alert.status().name().toLowerCase(), alert.id());
            done.complete(null);
        }
        return done;
    }

    private void deliver(Alert alert) {
        try {
            notifier.send(alert);
            sent.increment();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed.increment();
            log.warn("notifier '{}' interrupted while sending alert {}", name, alert.id());
        } catch (Exception e) {
            failed.increment();
            log.warn("notifier '{}' could not deliver {} notice {}: {}", name, alert.status().name().toLowerCase(), alert.id(), e.getMessage());
        }
    }

    /** Delivers what is queued (waiting at most {@code timeout}), then closes the notifier. */
    public void close(Duration timeout) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                int left = executor.shutdownNow().size();
                log.warn("notifier '{}' did not finish in {}; {} notices not delivered", name, timeout, left);
                dropped.add(left);
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        notifier.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
