package io.polybus.appender;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.SerializationException;
import io.polybus.appender.internal.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * Publishes an application's log events to a broker without making the application wait for it.
 *
 * <p>{@link #publish} (the caller's thread) puts the event into a bounded queue; one background thread opens the
 * broker (retrying until it can: {@link #start()} never waits for it) and sends what is queued in batches. When the
 * queue is full, {@link AppenderSettings#overflow()} decides; with {@link OverflowPolicy#SPILL} the event goes to the
 * spool on disk, and so does every event after it until the sending thread has delivered the queue and then the
 * spool, so events reach the broker in the order they were logged (keyed by the host, so that they keep that order
 * where the broker partitions a topic). A failed send is retried with backoff, on the same
 * producer, until the broker takes it. Events spooled by an earlier run are delivered first.
 *
 * <p>{@link #close()} (also run by a JVM shutdown hook) waits up to {@link AppenderSettings#shutdownTimeout()} for the
 * broker to take what is queued and spooled, then writes what is left in memory to the head of the spool, where the
 * next start finds it. Delivery is at least once: an event may arrive twice after a retry or a restart.
 *
 * <p>Thread-safe. The sending thread is inside the {@link RecursionGuard}, so the broker client's logging on it never
 * comes back.
 */
public final class EventPublisher implements AutoCloseable, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
    private static final Duration IDLE_POLL = Duration.ofMillis(50);
    /** Closing waits this much longer than the shutdown timeout for the sending thread to write its leftovers. */
    private static final Duration LEFTOVER_GRACE = Duration.ofSeconds(5);

    private final String name;
    private final Config brokerConfig;
    private final AppenderSettings settings;
    private final ArrayBlockingQueue<byte[]> queue;
    private final Spool spool;
    private final Thread sender;
    private final Thread shutdownHook;
    /** The host: one instance's events share a partition, which keeps them in order where a broker partitions. */
    private final byte[] key;

    /** Written under the spool's monitor: while true, new events go to the spool, behind the ones there. */
    private volatile boolean spilling;
    private volatile boolean closing;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile long closeDeadline;

    private final LongAdder published = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder spilled = new LongAdder();
    private final LongAdder droppedOldest = new LongAdder();
    private final LongAdder droppedNewest = new LongAdder();
    private final LongAdder droppedBlocked = new LongAdder();
    private final LongAdder droppedSpoolFull = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder excluded = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final List<Runnable> unbind = new CopyOnWriteArrayList<>();

    /**
     * Opens the spool (taking over what an earlier run left in it); connects nothing yet.
     *
     * @param name         the appender's name: names the sending thread and tags the meters
     * @param brokerConfig the broker, as for {@link Brokers#open(Config)}
     * @throws IllegalStateException when the spool directory cannot be used
     */
    public EventPublisher(String name, Config brokerConfig, AppenderSettings settings) {
        this.name = name;
        this.brokerConfig = brokerConfig;
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.key = settings.host().getBytes(StandardCharsets.UTF_8);
        this.spool = new Spool(settings.spoolDir(), settings.spoolMaxBytes());
        this.spilling = !spool.isEmpty();
        this.sender = new Thread(this::run, "polybus-appender-" + name);
        this.sender.setDaemon(true);
        this.shutdownHook = new Thread(this::close, "polybus-appender-" + name + "-shutdown");
    }

    /** Starts the sending thread, which connects in the background; returns at once. */
    public void start() {
        sender.start();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public AppenderSettings settings() {
        return settings;
    }

    /**
     * Hands over one event (event JSON, see {@link EventEncoder}). Returns once the event is queued or spooled, or
     * dropped and counted as the overflow policy says: under {@link OverflowPolicy#BLOCK} after at most the block
     * timeout, otherwise without waiting for the broker. After {@link #close()} an event that finds the queue
     * closed is dropped and counted (the frameworks stop calling an appender they stopped).
     */
    public void publish(byte[] event) {
        published.increment();
        if (!spilling && queue.offer(event)) {
            return;
        }
        OverflowPolicy policy = settings.overflow();
        if (spilling || policy == OverflowPolicy.SPILL) {
            synchronized (spool) {
                if (closed) {
                    droppedNewest.increment();
                    return;
                }
                if (!spilling) {
                    if (queue.offer(event)) {
                        return;
                    }
                    spilling = policy == OverflowPolicy.SPILL;
                }
                if (spilling) {
                    spill(event);
                    return;
                }
            }
        }
        switch (policy) {
            case BLOCK -> block(event);
            case DROP_OLDEST -> {
                while (!queue.offer(event)) {
                    if (queue.poll() != null) {
                        droppedOldest.increment();
                    }
                }
            }
            default -> droppedNewest.increment();
        }
    }

    private void spill(byte[] event) {
        if (spool.append(event)) {
            spilled.increment();
        } else {
            droppedSpoolFull.increment();
        }
    }

    private void block(byte[] event) {
        try {
            if (!queue.offer(event, settings.blockTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                droppedBlocked.increment();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            droppedBlocked.increment();
        }
    }

    /** Counts an event the appender kept out (recursion guard, excluded logger). */
    public void excluded() {
        excluded.increment();
    }

    public PublisherStats stats() {
        return new PublisherStats(published.sum(), delivered.sum(), spilled.sum(), droppedOldest.sum(),
                droppedNewest.sum(), droppedBlocked.sum(), droppedSpoolFull.sum(), rejected.sum(), excluded.sum(),
                retries.sum(), queue.size(), spool.bytes(), connected);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "published", "events handed to the appender", s -> s.published.sum());
        counter(registry, "delivered", "events the broker acknowledged", s -> s.delivered.sum());
        counter(registry, "spilled", "events written to the spool", s -> s.spilled.sum());
        counter(registry, "dropped", "events dropped: queue full (drop-oldest)", s -> s.droppedOldest.sum(), "drop-oldest");
        counter(registry, "dropped", "events dropped: queue full (drop-newest)", s -> s.droppedNewest.sum(), "drop-newest");
        counter(registry, "dropped", "events dropped: queue full after the block timeout", s -> s.droppedBlocked.sum(), "block");
        counter(registry, "dropped", "events dropped: spool full", s -> s.droppedSpoolFull.sum(), "spool-full");
        counter(registry, "rejected", "events the broker refused for good", s -> s.rejected.sum());
        counter(registry, "excluded", "events kept out by the recursion guard", s -> s.excluded.sum());
        counter(registry, "retries", "failed send or connection attempts, retried", s -> s.retries.sum());
        bound(registry, Gauge.builder("polybus.appender.queued", queue, ArrayBlockingQueue::size)
                .tag("appender", name).description("events in the memory queue").register(registry));
        bound(registry, Gauge.builder("polybus.appender.spool.bytes", spool, Spool::bytes)
                .tag("appender", name).description("bytes waiting in the spool").register(registry));
        bound(registry, Gauge.builder("polybus.appender.connected", this, p -> p.connected ? 1 : 0)
                .tag("appender", name).description("1 while the broker takes events").register(registry));
    }

    /** Remembers a meter so that {@link #close()} removes it: a reconfigured appender of the same name binds anew. */
    private void bound(MeterRegistry registry, Meter meter) {
        unbind.add(() -> registry.remove(meter));
    }

    private void counter(MeterRegistry registry, String what, String description, ToDoubleFunction<EventPublisher> f,
                         String... cause) {
        FunctionCounter.Builder<EventPublisher> b = FunctionCounter.builder("polybus.appender." + what, this, f)
                .tag("appender", name).description(description);
        if (cause.length > 0) {
            b.tag("cause", cause[0]);
        }
        bound(registry, b.register(registry));
    }

    private void run() {
        RecursionGuard.enter();
        Broker broker = null;
        Producer producer = null;
        List<byte[]> batch = new ArrayList<>();
        boolean fromSpool = false;
        long failures = 0;
        try {
            while (producer == null) {
                try {
                    broker = Brokers.open(brokerConfig);
                    producer = broker.producer(ProducerOptions.builder()
                            .blockTimeout(settings.sendTimeout()).closeTimeout(Duration.ofSeconds(1)).build());
                } catch (RuntimeException e) {
                    if (broker != null) {
                        broker.close();
                        broker = null;
                    }
                    failures = failed(++failures, "connecting to", e);
                    if (!pause(failures)) {
                        return;
                    }
                }
            }
            failures = 0;
            connected = true;
            while (true) {
                if (closing && System.nanoTime() - closeDeadline > 0) {
                    return;
                }
                if (batch.isEmpty()) {
                    fromSpool = false;
                    queue.drainTo(batch, settings.batchSize());
                    if (batch.isEmpty()) {
                        synchronized (spool) {
                            batch.addAll(spool.read(settings.batchSize()));
                            fromSpool = !batch.isEmpty();
                            if (!fromSpool && !closed) {
                                spilling = false;
                            }
                        }
                    }
                    if (batch.isEmpty()) {
                        if (closing) {
                            return;
                        }
                        byte[] next = queue.poll(IDLE_POLL.toNanos(), TimeUnit.NANOSECONDS);
                        if (next != null) {
                            batch.add(next);
                        }
                        continue;
                    }
                }
                batch = send(producer, batch);
                if (batch.isEmpty()) {
                    if (fromSpool) {
                        spool.commit();
                    }
                    if (failures > 0) {
                        log.info("appender '{}': broker '{}' takes events again after {} failed attempts", name,
                                brokerConfig.get("type").orElse("?"), failures);
                        failures = 0;
                    }
                    connected = true;
                } else {
                    connected = false;
                    failures = failed(++failures, "sending to", null);
                    if (!pause(failures)) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("appender '{}' stopped sending: {}", name, e.toString(), e);
        } finally {
            connected = false;
            keepLeftovers(fromSpool ? List.of() : batch);
            if (producer != null) {
                producer.close();
            }
            if (broker != null) {
                broker.close();
            }
        }
    }

    /**
     * Sends {@code batch} and waits for the acknowledgements (up to the send timeout).
     *
     * @return the events that must be sent again, in order
     */
    private List<byte[]> send(Producer producer, List<byte[]> batch) throws InterruptedException {
        List<CompletableFuture<Receipt>> futures = new ArrayList<>(batch.size());
        for (byte[] event : batch) {
            try {
                futures.add(producer.send(Message.builder(settings.topic()).unsafeKey(key).unsafePayload(event).build()));
            } catch (RuntimeException e) {
                futures.add(CompletableFuture.failedFuture(e));
            }
        }
        long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
        List<byte[]> again = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            try {
                futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                delivered.increment();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof MessageTooLargeException || e.getCause() instanceof SerializationException) {
                    rejected.increment();
                    log.error("appender '{}': the broker refused an event for good ({}); it is dropped", name,
                            e.getCause().getMessage());
                } else {
                    again.add(batch.get(i));
                }
            } catch (TimeoutException e) {
                again.add(batch.get(i));
            }
        }
        return again;
    }

    private long failed(long n, String doing, RuntimeException error) {
        retries.increment();
        if (n == 1 || n % 100 == 0) {
            log.warn("appender '{}': {} broker '{}' failed ({} attempts so far), retrying{}", name, doing,
                    brokerConfig.get("type").orElse("?"), n, error == null ? "" : ": " + error.getMessage());
        }
        return n;
    }

    /** Waits before the next attempt; false when closing has run out of time. */
    private boolean pause(long failures) throws InterruptedException {
        long backoff = Math.min(settings.retryBackoffMax().toMillis(),
                settings.retryBackoff().toMillis() << Math.min(20, failures - 1));
        if (closing) {
            long left = TimeUnit.NANOSECONDS.toMillis(closeDeadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            backoff = Math.min(backoff, left);
        }
        Thread.sleep(backoff);
        return true;
    }

    /** Writes what is still in memory in front of the spool, where the next start finds it first. */
    private void keepLeftovers(List<byte[]> unsent) {
        synchronized (spool) {
            spilling = true;
            List<byte[]> left = new ArrayList<>(unsent);
            queue.drainTo(left);
            spool.prepend(left);
            spool.flush();
        }
    }

    /**
     * Stops publishing: waits up to the shutdown timeout for the broker to take what is queued and spooled, then
     * keeps the rest in the spool and releases its directory. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closeDeadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
            closing = true;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // Already shutting down, or closed by the hook itself.
        }
        try {
            if (sender.isAlive()) {
                sender.join(settings.shutdownTimeout().toMillis() + 1);
                if (sender.isAlive()) {
                    sender.interrupt();
                    sender.join(LEFTOVER_GRACE.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (spool) {
            closed = true;
            spilling = true;
            List<byte[]> left = new ArrayList<>();
            queue.drainTo(left);
            spool.prepend(left);
            spool.close();
        }
        unbind.forEach(Runnable::run);
        PublisherStats s = stats();
        if (s.spoolBytes() > 0 || s.dropped() > 0) {
            log.warn("appender '{}' closed: {} events delivered, {} bytes left in spool {}, {} dropped", name,
                    s.delivered(), s.spoolBytes(), spool.directory(), s.dropped());
        }
    }
}
