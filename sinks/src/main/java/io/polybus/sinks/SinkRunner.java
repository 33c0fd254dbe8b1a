package io.polybus.sinks;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.events.ComponentContext;
import io.polybus.events.ComponentSpec;
import io.polybus.events.EventPack;
import io.polybus.events.JsonEvent;
import io.polybus.events.PipelineHealth;
import io.polybus.events.Sink;
import io.polybus.events.SinkProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the {@code sinks:} section: consumes its topic as its group, reads the events of each message (a pack
 * split into its events), and writes them in batches to every sink. A message is acknowledged only once every
 * sink made all of its events durable; a message with an event some store refused for good is rejected to the
 * dead-letter topic with the store's reason; a write that may succeed later is tried again with backoff while
 * reading waits (the handler does not return), so nothing is dropped. A batch is written on a thread of its own
 * while the next one fills (reading and writing overlap, as a store's answer or an fsync takes its time); a full batch
 * waits for the one being written, so memory stays bounded by two batches. A message that is not JSON events is
 * rejected.
 *
 * <p>Thread-safe. {@link #close()} writes the batch it holds (one try; what a sink could not take is left
 * unacknowledged), stops consuming (unacknowledged messages go back to the group) and closes the sinks; it does not
 * close the broker.
 */
public final class SinkRunner implements AutoCloseable, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(SinkRunner.class);

    private final SinksConfig config;
    private final List<Output> outputs;
    private final PipelineHealth health;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Sink.Record> batch = new ArrayList<>();
    /** The messages of the batch in the order of their events in it, each with its number of events. */
    private final List<Pending> pending = new ArrayList<>();
    private final ScheduledExecutorService timer;
    /** One thread: batches are written in order, one at a time. */
    private final ExecutorService writer;
    /** The batch being written (guarded by the lock). */
    private Future<?> inFlight = CompletableFuture.completedFuture(null);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder invalid = new LongAdder();
    private long batchBytes;
    private long batchStartNanos;
    private volatile Consumer consumer;

    /** A message of the batch and how many of the batch's events are its. */
    private record Pending(Delivery delivery, int events) {
    }

    /** One sink and its counters. */
    private static final class Output {
        final String name;
        final Sink sink;
        final LongAdder events = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder batches = new LongAdder();
        final LongAdder retries = new LongAdder();
        final LongAdder rejected = new LongAdder();

        Output(String name, Sink sink) {
            this.name = name;
            this.sink = sink;
        }
    }

    private SinkRunner(SinksConfig config, List<Output> outputs, PipelineHealth health) {
        this.config = config;
        this.outputs = outputs;
        this.health = health;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-sinks-timer");
            t.setDaemon(true);
            return t;
        });
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "polybus-sinks-writer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates the sinks and starts consuming.
     *
     * @param context what the sinks may use (their names are set from the configuration)
     * @param health  fed with the state of the writes (unhealthy while stores fail for too long)
     * @throws io.polybus.PolybusException when a sink or the subscription cannot be opened (what opened is closed)
     */
    public static SinkRunner start(Broker broker, SinksConfig config, ComponentContext context, PipelineHealth health) {
        List<Output> outputs = new ArrayList<>();
        try {
            for (ComponentSpec<SinkProvider> spec : config.outputs()) {
                String name = SinksConfig.name(spec);
                Sink sink = spec.create(context.named(name));
                outputs.add(new Output(name, sink));
            }
            SinkRunner runner = new SinkRunner(config, outputs, health);
            runner.subscribe(broker);
            return runner;
        } catch (RuntimeException e) {
            outputs.forEach(o -> closeQuietly(o));
            throw e;
        }
    }

    /** A health for sinks with the default thresholds: stores failing for 30 s, or acknowledgements stuck for 2 min. */
    public static PipelineHealth defaultHealth() {
        return new PipelineHealth("sinks", Clock.systemUTC(), Duration.ofSeconds(30), Duration.ofMinutes(2));
    }

    private void subscribe(Broker broker) {
        // Messages stay unacknowledged until their batch is durable: the consumer must be allowed to hold a batch.
        int prefetch = Math.max(256, config.maxBatchEvents());
        consumer = broker.subscribe(ConsumerOptions.builder(config.topic(), config.group()).prefetch(prefetch)
                .ackMode(AckMode.MANUAL).startFrom(config.startFrom()).build(), this::handle);
        long every = Math.max(1, config.maxBatchWait().toMillis() / 4);
        timer.scheduleWithFixedDelay(this::flushIfDue, every, every, TimeUnit.MILLISECONDS);
        log.info("sinks: {} on topic '{}' as group '{}'", outputs.stream().map(o -> o.name).toList(), config.topic(), config.group());
    }

    private void handle(Delivery delivery) {
        List<byte[]> events = EventPack.events(delivery.message());
        boolean pack = EventPack.isPack(delivery.message());
        List<Sink.Record> records = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            JsonEvent event = JsonEvent.parse(events.get(i));
            if (event == null) {
                invalid.increment();
                delivery.reject(pack ? "event " + i + " of the pack is not a JSON log event" : "not a JSON log event");
                return;
            }
            records.add(new Sink.Record(event.identity(delivery.message().id(), pack ? i : -1), event, events.get(i)));
        }
        if (records.isEmpty()) {
            delivery.ack();
            return;
        }
        lock.lock();
        try {
            if (batch.isEmpty()) {
                batchStartNanos = System.nanoTime();
            }
            health.ackPending();
            pending.add(new Pending(delivery, records.size()));
            for (Sink.Record r : records) {
                batch.add(r);
                batchBytes += r.json().length;
            }
            if (batch.size() >= config.maxBatchEvents() || batchBytes >= config.maxBatchBytes()) {
                flush(true);
            }
        } finally {
            lock.unlock();
        }
    }

    private void flushIfDue() {
        lock.lock();
        try {
            if (!batch.isEmpty() && System.nanoTime() - batchStartNanos >= config.maxBatchWait().toNanos()) {
                flush(true);
            }
        } catch (RuntimeException e) {
            log.error("sinks: writing a batch failed", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands the batch to the writer thread, once the batch before it is written. Called with the lock held; the
     * handler thread waits meanwhile, which is what stops reading while stores fail.
     *
     * @param retry whether to try again until every sink took the batch (false when closing: one try)
     */
    private void flush(boolean retry) {
        List<Sink.Record> records = List.copyOf(batch);
        List<Pending> messages = List.copyOf(pending);
        batch.clear();
        pending.clear();
        batchBytes = 0;
        awaitInFlight();
        inFlight = writer.submit(() -> write(records, messages, retry));
    }

    /** Waits until the batch being written is written (or given up, when closing). Called with the lock held. */
    private void awaitInFlight() {
        try {
            inFlight.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.error("sinks: writing a batch failed", e.getCause());
        }
    }

    /** Writes a batch to every sink, then settles its messages. On the writer thread. */
    private void write(List<Sink.Record> records, List<Pending> messages, boolean retry) {
        Map<Sink.Record, String> refused = new IdentityHashMap<>();
        List<Output> left = new ArrayList<>(outputs);
        long backoff = config.retryBackoff().toMillis();
        while (!left.isEmpty()) {
            for (Output o : new ArrayList<>(left)) {
                try {
                    for (Sink.Refusal r : o.sink.write(records)) {
                        refused.put(r.record(), o.name + ": " + r.reason());
                        o.rejected.increment();
                    }
                    o.batches.increment();
                    o.events.add(records.size());
                    long bytes = 0;
                    for (Sink.Record r : records) {
                        bytes += r.json().length;
                    }
                    o.bytes.add(bytes);
                    left.remove(o);
                    health.brokerReachable();
                } catch (Exception e) {
                    o.retries.increment();
                    health.brokerUnreachable("sink '" + o.name + "' fails: " + e.getClass().getSimpleName());
                    log.warn("sinks: '{}' could not write {} events, {}: {}", o.name, records.size(),
                            retry && !closed.get() ? "trying again in " + backoff + " ms" : "they are delivered again later", e.toString());
                }
            }
            if (left.isEmpty() || !retry || closed.get()) {
                break;
            }
            sleepUnlessClosed(backoff);
            backoff = Math.min(backoff * 2, config.retryBackoffMax().toMillis());
        }
        settle(records, messages, refused, left.isEmpty());
    }

    private void settle(List<Sink.Record> records, List<Pending> messages, Map<Sink.Record, String> refused,
                        boolean durable) {
        int at = 0;
        for (Pending m : messages) {
            String reason = null;
            for (int i = 0; i < m.events() && reason == null; i++) {
                reason = refused.get(records.get(at + i));
            }
            at += m.events();
            if (!durable) {
                // Closing with a store down: left unsettled, the message is delivered again (no attempt spent).
                continue;
            }
            if (reason != null) {
                m.delivery().reject(reason);
            } else {
                m.delivery().ack();
            }
            health.ackCompleted();
        }
    }

    /** Waits between tries; returns early once the runner closes, so that closing is not held up by a backoff. */
    private void sleepUnlessClosed(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (!closed.get() && System.nanoTime() < deadline) {
                Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unhealthy while the stores have been failing for too long. */
    public PipelineHealth health() {
        return health;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        health.bindTo(registry);
        FunctionCounter.builder("polybus.sink.invalid", invalid, LongAdder::sum)
                .description("Messages rejected because they were not JSON log events").register(registry);
        for (Output o : outputs) {
            counter(registry, "polybus.sink.events", o.name, o.events, "Events a sink made durable");
            counter(registry, "polybus.sink.bytes", o.name, o.bytes, "Event bytes a sink made durable");
            counter(registry, "polybus.sink.batches", o.name, o.batches, "Batches a sink wrote");
            counter(registry, "polybus.sink.retries", o.name, o.retries, "Batch writes that failed and were tried again");
            counter(registry, "polybus.sink.rejected", o.name, o.rejected, "Events a store refused for good (dead-lettered)");
            if (o.sink instanceof MeterBinder binder) {
                binder.bindTo(registry);
            }
        }
    }

    private static void counter(MeterRegistry registry, String name, String sink, LongAdder value, String description) {
        FunctionCounter.builder(name, value, LongAdder::sum).tag("sink", sink).description(description).register(registry);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        lock.lock();
        try {
            if (!batch.isEmpty()) {
                flush(false);
            }
            awaitInFlight();
        } finally {
            lock.unlock();
        }
        writer.shutdown();
        if (consumer != null) {
            consumer.close();
        }
        outputs.forEach(SinkRunner::closeQuietly);
    }

    private static void closeQuietly(Output o) {
        try {
            o.sink.close();
        } catch (RuntimeException e) {
            log.warn("sinks: closing '{}' failed: {}", o.name, e.toString());
        }
    }
}
