package io.polybus.memory.internal;

import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.HandlerShutdown;
import io.polybus.spi.OrderedWorkers;
import io.polybus.spi.PrefetchWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;

/**
 * One member of a group. A dispatcher thread takes entries of the partitions the member owns, within
 * the prefetch, and runs the handler: on itself when concurrency is 1 (no hand-off on the hot path), on
 * per-partition worker lanes otherwise.
 */
final class MemoryConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(MemoryConsumer.class);
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int MAX_BATCH = 256;

    final Group group;
    final Engine engine;
    final ConsumerOptions options;
    final DeliveryCounters counters;
    final PrefetchWindow permits;
    /** Signalled under the group's lock when an owned partition gets an entry. */
    final Condition hasWork;
    /** Guarded by the group's lock. */
    boolean waiting;
    /** Guarded by the group's lock. */
    int[] owned = new int[0];
    /** Guarded by the group's lock. */
    int nextPartition;

    private final DeliveryHandler handler;
    private final OrderedWorkers workers;
    private final ArrayDeque<MemoryAcknowledgement> handedOut = new ArrayDeque<>();
    private final Thread dispatcher;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;

    MemoryConsumer(Group group, Engine engine, ConsumerOptions options, DeliveryHandler handler, DeliveryCounters counters) {
        this.group = group;
        this.engine = engine;
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.permits = new PrefetchWindow(options.prefetch(), Duration.ofMillis(100));
        this.hasWork = group.newCondition();
        String name = "polybus-memory-" + options.topic() + "-" + options.group();
        this.workers = options.concurrency() > 1 ? new OrderedWorkers(name + "-worker", options.concurrency()) : null;
        this.dispatcher = new Thread(this::dispatch, name);
        this.dispatcher.setDaemon(true);
    }

    void start() {
        group.join(this);
        dispatcher.start();
    }

    boolean isRunning() {
        return running;
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    private void dispatch() {
        Entry[] batch = new Entry[Math.min(MAX_BATCH, options.prefetch())];
        MemoryAcknowledgement[] acks = new MemoryAcknowledgement[batch.length];
        try {
            while (running) {
                int room = permits.reserve(batch.length);
                if (room == 0) {
                    continue;
                }
                int n = group.take(this, batch, room, IDLE_WAIT_NANOS);
                if (n < room) {
                    permits.release(room - n);
                }
                synchronized (handedOut) {
                    for (int i = 0; i < n; i++) {
                        acks[i] = new MemoryAcknowledgement(batch[i], this);
                        handedOut.addLast(acks[i]);
                        batch[i] = null;
                    }
                }
                for (int i = 0; i < n && running; i++) {
                    deliver(acks[i]);
                    acks[i] = null;
                }
                prune();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }


    private void deliver(MemoryAcknowledgement ack) {
        Entry entry = ack.entry;
        Delivery delivery = new Delivery(entry.message(), entry.attempt(), ack);
        if (workers == null) {
            handle(delivery);
        } else {
            workers.execute(entry.partition(), () -> handle(delivery));
        }
    }

    private void handle(Delivery delivery) {
        try {
            handler.handle(delivery);
        } catch (Exception e) {
            log.error("handler of group '{}' on topic '{}' failed; the delivery stays unsettled until the consumer closes",
                    options.group(), options.topic(), e);
        }
    }

    /** Forgets settled deliveries; only unsettled ones are needed, to hand back at close. */
    private void prune() {
        synchronized (handedOut) {
            while (!handedOut.isEmpty() && handedOut.peekFirst().isSettled()) {
                handedOut.pollFirst();
            }
            if (handedOut.size() > 2 * options.prefetch()) {
                handedOut.removeIf(MemoryAcknowledgement::isSettled);
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        group.wakeUp(this);
        HandlerShutdown.await(dispatcher, workers, options);
        group.leave(this);
        if (options.ephemeral()) {
            engine.topic(options.topic()).remove(group);
        }
        List<Entry> back = new ArrayList<>();
        synchronized (handedOut) {
            for (MemoryAcknowledgement ack : handedOut) {
                if (ack.abandon()) {
                    back.add(ack.entry.next());
                }
            }
            handedOut.clear();
        }
        group.giveBack(back);
    }
}
