package io.polybus.monitor.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.ProducerOptions;
import io.polybus.events.PipelineHealth;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig.NotifierSpec;
import io.polybus.monitor.Notifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs one notifier on a thread of its own with a bounded queue of notices, so a slow or failing notifier
 * never holds up rule evaluation. A full queue drops the notice (counted and logged). Thread-safe.
 */
public final class NotifierDispatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NotifierDispatch.class);
    private static final int QUEUE = 1024;

    private final String name;
    private final Notifier notifier;
    private final ThreadPoolExecutor executor;
    private final Counter sent;
    private final Counter failed;
    private final Counter dropped;

    public NotifierDispatch(String name, Notifier notifier, MeterRegistry meters) {
        this.name = name;
        this.notifier = notifier;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "polybus-monitor-notifier-" + name);
            t.setDaemon(true);
            return t;
        });
        this.sent = counter(meters, "sent");
        this.failed = counter(meters, "failed");
        this.dropped = counter(meters, "dropped");
    }

    private Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("polybus.monitor.notifications").tag("notifier", name).tag("outcome", outcome)
                .description("Alert notices handed to a notifier, by outcome").register(meters);
    }

    /** Builds the notifier a spec describes. */
    public static Notifier create(NotifierSpec spec, Broker broker, PrintStream stdout, MeterRegistry meters, PipelineHealth health) {
        if (spec instanceof NotifierSpec.Stdout s) {
            return new StdoutNotifier(stdout, "json".equals(s.format()));
        }
        if (spec instanceof NotifierSpec.File f) {
            return new FileNotifier(Path.of(f.path()));
        }
        if (spec instanceof NotifierSpec.Webhook w) {
            Counter retries = Counter.builder("polybus.monitor.notification.retries").tag("notifier", w.name())
                    .description("Webhook attempts retried").register(meters);
            return new WebhookNotifier(w, retries::increment);
        }
        NotifierSpec.Topic t = (NotifierSpec.Topic) spec;
        return new TopicNotifier(broker.producer(ProducerOptions.defaults()), t.topic(), health);
    }

    /** Queues a notice; never blocks. */
    public void submit(Alert alert) {
        try {
            executor.execute(() -> deliver(alert));
        } catch (RejectedExecutionException e) {
            dropped.increment();
            log.warn("notifier '{}' is {}; dropped {} notice {}", name, executor.isShutdown() ? "closed" : "backed up ("
                    + QUEUE + " notices queued)", alert.status().name().toLowerCase(), alert.id());
        }
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
                dropped.increment(left);
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
