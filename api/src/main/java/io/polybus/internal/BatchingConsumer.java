package io.polybus.internal;

import io.polybus.AckMode;
import io.polybus.BatchHandler;
import io.polybus.BatchOptions;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * Batches over any broker's per-delivery path: the per-delivery handler only queues the delivery, unsettled,
 * and one thread forms batches from the queue and calls the {@link BatchHandler}. The broker's prefetch bounds
 * the queue. Closing stops forming batches, waits (within the close timeout) for the running call, then closes
 * the broker's consumer, which leaves every queued, unsettled delivery for redelivery.
 */
public final class BatchingConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(BatchingConsumer.class);
    /** How often an idle batching thread looks whether the consumer is closing. */
    private static final long IDLE_POLL_MS = 50;

    private final ConsumerOptions options;
    private final BatchOptions batch;
    private final BatchHandler handler;
    private final BlockingQueue<Delivery> queued = new LinkedBlockingQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread batcher;
    private volatile boolean closing;
    private Consumer deliveries;

    private BatchingConsumer(ConsumerOptions options, BatchOptions batch, BatchHandler handler) {
        this.options = options;
        this.batch = batch;
        this.handler = handler;
        this.batcher = new Thread(this::run, "polybus-batch-" + options.topic() + "-" + options.group());
        this.batcher.setDaemon(true);
    }

    /**
     * Subscribes through {@code subscribe} (the broker's per-delivery subscribe) and starts forming batches.
     *
     * @throws IllegalArgumentException when the batch may be larger than the prefetch
     */
    public static Consumer start(ConsumerOptions options, BatchOptions batch, BatchHandler handler,
                                 BiFunction<ConsumerOptions, DeliveryHandler, Consumer> subscribe) {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(handler, "handler");
        if (batch.maxSize() > options.prefetch()) {
            throw new IllegalArgumentException("batch maxSize " + batch.maxSize() + " exceeds the prefetch "
                    + options.prefetch() + " of group '" + options.group() + "': such a batch could never fill");
        }
        BatchingConsumer consumer = new BatchingConsumer(options, batch, handler);
        // The queueing handler returns with the delivery unsettled: settling is the batch handler's (or ours).
        consumer.deliveries = subscribe.apply(options.toBuilder().ackMode(AckMode.MANUAL).build(), consumer.queued::add);
        consumer.batcher.start();
        return consumer;
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    private void run() {
        List<Delivery> next = new ArrayList<>(batch.maxSize());
        try {
            while (!closing) {
                Delivery first = queued.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                next.add(first);
                fill(next, System.nanoTime() + batch.maxWait().toNanos());
                if (closing) {
                    return;
                }
                handle(List.copyOf(next));
                next.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fill(List<Delivery> next, long deadline) throws InterruptedException {
        while (next.size() < batch.maxSize() && !closing) {
            queued.drainTo(next, batch.maxSize() - next.size());
            long left = deadline - System.nanoTime();
            if (next.size() == batch.maxSize() || left <= 0) {
                return;
            }
            Delivery more = queued.poll(left, TimeUnit.NANOSECONDS);
            if (more == null) {
                return;
            }
            next.add(more);
        }
    }

    private void handle(List<Delivery> deliveries) {
        try {
            handler.handle(deliveries);
            if (options.ackMode() == AckMode.AUTO) {
                deliveries.forEach(Delivery::ack);
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            String reason = e.toString();
            log.debug("batch handler of group '{}' on topic '{}' failed on {} deliveries: {}",
                    options.group(), options.topic(), deliveries.size(), reason);
            // A delivery settled before the throw keeps its outcome: a second outcome is a no-op (CONTRACT 3).
            for (Delivery d : deliveries) {
                if (options.onHandlerError() == Outcome.REQUEUE) {
                    d.requeue(reason);
                } else {
                    d.reject(reason);
                }
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        if (Thread.currentThread() != batcher) {
            try {
                batcher.join(Math.max(1, options.closeTimeout().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (batcher.isAlive()) {
                log.warn("a batch handler of group '{}' on topic '{}' is still running after {}; its unsettled deliveries will be redelivered",
                        options.group(), options.topic(), options.closeTimeout());
            }
        }
        deliveries.close();
    }
}
