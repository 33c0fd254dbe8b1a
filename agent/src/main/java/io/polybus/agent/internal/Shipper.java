package io.polybus.agent.internal;

import io.polybus.Backpressure;
import io.polybus.Broker;
import io.polybus.BufferFullException;
import io.polybus.ClosedException;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.spi.InFlightLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Hands events to the broker at least once. At most {@code max-bytes-in-flight} bytes are unacknowledged;
 * past that {@link #send} waits, which stops the reading thread (backpressure). Messages go in {@link Shipment}s,
 * one future per shipment. A failed send is retried with exponential backoff until the broker takes it, however
 * long that is; the log and {@code polybus.agent.broker.connected} say when the broker is failing and when it is
 * back. A shipment's acknowledgement releases its holds on the input batches of its events (for a pack of events,
 * on the pack's group of batches), which moves the checkpoint. Thread-safe.
 */
public final class Shipper implements AutoCloseable, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(Shipper.class);
    private static final Duration WAIT_STEP = Duration.ofMillis(200);

    private final Producer producer;
    private final InFlightLimiter limiter;
    private final AgentMetrics metrics;
    private final long maxMessageBytes;
    private final long backoffMillis;
    private final long backoffMaxMillis;
    private final ScheduledExecutorService retries;
    private final AtomicLong consecutiveFailures = new AtomicLong();
    private final AtomicLong refusedEvents = new AtomicLong();
    private volatile long lastFailureLog;

    /**
     * How much more the producer's own bound is than the agent's: providers count a per-message overhead on top
     * of the bytes (Kafka 512 B), and an event is never smaller than its JSON envelope (~100 B), so this keeps
     * the producer's bound from ever binding before the agent's, which alone decides when reading waits.
     */
    private static final int PRODUCER_BOUND_FACTOR = 8;

    public Shipper(Broker broker, AgentSettings.Delivery delivery, AgentMetrics metrics) {
        long max = delivery.maxBytesInFlight();
        // Events get no message id: an event names its own origin (file id and offset), which is what consumers drop
        // duplicates by, and where the broker names what it stores, an id of the agent's would only add bytes.
        this.producer = broker.producer(ProducerOptions.builder()
                .compression(delivery.compression())
                .maxInFlightBytes(PRODUCER_BOUND_FACTOR * max + broker.maxMessageBytes())
                .backpressure(Backpressure.BLOCK).blockTimeout(delivery.sendTimeout())
                .closeTimeout(delivery.shutdownTimeout()).build());
        this.limiter = new InFlightLimiter(max, Backpressure.BLOCK, WAIT_STEP);
        this.metrics = metrics;
        this.maxMessageBytes = broker.maxMessageBytes();
        this.backoffMillis = delivery.retryBackoff().toMillis();
        this.backoffMaxMillis = Math.max(backoffMillis, delivery.retryBackoffMax().toMillis());
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-agent-retry");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(AgentMetrics.PREFIX + "bytes.in_flight", limiter, InFlightLimiter::inFlightBytes)
                .description("bytes handed to the broker and not yet acknowledged").register(registry);
    }

    /** The largest message the broker takes. */
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    public long inFlightBytes() {
        return limiter.inFlightBytes();
    }

    /**
     * Sends the messages of {@code shipment} with one {@link Producer#sendAll}; its acknowledgement releases the
     * shipment's holds. Waits while the in-flight bound is reached. Should the batch fail, each of its messages is
     * sent again on its own (holding its own hold), with the retries and the too-large handling of a single message.
     *
     * @param stopping polled while waiting; when it turns true nothing is sent (the messages stay unacknowledged,
     *                 so the checkpoint stays before them) and this returns false
     */
    boolean send(Shipment shipment, AgentMetrics.SourceMeters meters, BooleanSupplier stopping) {
        long size = shipment.bytes();
        while (true) {
            try {
                limiter.acquire(size);
                break;
            } catch (BufferFullException e) {
                if (stopping.getAsBoolean()) {
                    return false;
                }
            }
        }
        meters.sent.add(shipment.events());
        meters.bytesSent.add(size);
        CompletableFuture<Void> f;
        metrics.health().ackPending();
        try {
            f = producer.sendAll(shipment.messages());
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((ignored, error) -> {
            metrics.health().ackCompleted();
            if (error == null) {
                succeeded();
                limiter.release(size);
                meters.acked.add(shipment.events());
                shipment.releaseHolds();
            } else {
                Throwable cause = unwrap(error);
                try {
                    // Never on the thread that completed the future: that is the producer's own (its client's
                    // callback or I/O thread), and a send waiting for room would wait for the thread it blocks.
                    retries.execute(() -> resendEach(shipment, meters, cause));
                } catch (RejectedExecutionException closing) {
                    // Shutting down: the events stay unacknowledged and are read again after the restart.
                    limiter.release(size);
                }
            }
        });
        return true;
    }

    /** The batch failed as a whole: every message goes again on its own, its bytes still counted in flight. */
    private void resendEach(Shipment shipment, AgentMetrics.SourceMeters meters, Throwable error) {
        meters.failed.increment();
        log.debug("broker '{}' failed a batch of {} messages, sending each again on its own: {}",
                metrics.output(), shipment.size(), error.getMessage());
        for (int i = 0; i < shipment.size(); i++) {
            shipment.hold(i).hold();
        }
        shipment.releaseHolds();
        for (int i = 0; i < shipment.size(); i++) {
            Message message = shipment.message(i);
            attempt(message, shipment.events(i), message.sizeInBytes(), shipment.hold(i), meters);
        }
    }

    private void attempt(Message message, int events, int size, InputTracker.Hold hold, AgentMetrics.SourceMeters meters) {
        CompletableFuture<Receipt> f;
        metrics.health().ackPending();
        try {
            f = producer.send(message);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((receipt, error) -> {
            metrics.health().ackCompleted();
            if (error == null) {
                succeeded();
                limiter.release(size);
                meters.acked.add(events);
                hold.release();
            } else {
                failed(message, events, size, hold, meters, unwrap(error));
            }
        });
    }

    private void succeeded() {
        if (consecutiveFailures.get() != 0) {
            long n = consecutiveFailures.getAndSet(0);
            if (n != 0) {
                metrics.connected(true);
                log.info("broker '{}' accepts events again after {} failed attempts", metrics.output(), n);
            }
        }
    }

    private void failed(Message message, int events, int size, InputTracker.Hold hold, AgentMetrics.SourceMeters meters,
                        Throwable error) {
        meters.failed.increment();
        if (error instanceof MessageTooLargeException) {
            // Events are cut to fit before they are sent; a broker that still refuses one would refuse it forever.
            log.error("broker '{}' refused a message of {} bytes as too large; its {} event(s) are dropped: {}",
                    metrics.output(), size, events, error.getMessage());
            meters.tooLarge.add(events);
            refusedEvents.addAndGet(events);
            limiter.release(size);
            hold.release();
            return;
        }
        if (error instanceof ClosedException) {
            // Shutting down: the event stays unacknowledged and is read again after the restart.
            limiter.release(size);
            return;
        }
        long n = consecutiveFailures.incrementAndGet();
        metrics.connected(false);
        metrics.retried();
        long now = System.currentTimeMillis();
        if (n == 1 || now - lastFailureLog > 30_000) {
            lastFailureLog = now;
            log.warn("broker '{}' is not accepting events ({} failed attempts so far), retrying with backoff: {}",
                    metrics.output(), n, error.getMessage());
        }
        long delay = Math.min(backoffMaxMillis, backoffMillis << Math.min(20, n - 1));
        try {
            retries.schedule(() -> attempt(message, events, size, hold, meters), delay, TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
            limiter.release(size);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Events the broker refused for good (as too large), which were dropped: never delivered. */
    public long refusedEvents() {
        return refusedEvents.get();
    }

    /** Waits until every event handed over was acknowledged; false when {@code timeout} passed first. */
    public boolean awaitAcknowledged(Duration timeout) {
        return limiter.awaitEmpty(timeout);
    }

    @Override
    public void close() {
        retries.shutdownNow();
        limiter.close();
        producer.close();
    }
}
