package io.polybus.zeromq.internal;

import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.HandlerShutdown;
import io.polybus.spi.OrderedWorkers;
import io.polybus.spi.PrefetchWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one consumer of a group in this process: the hub puts the topic's messages in its inbox (at most a prefetch
 * of them: a full inbox makes the hub wait) and its dispatcher hands them to the handler, within the prefetch. Nothing
 * is stored outside this process, so what is unsettled when the consumer closes is lost, and a requeue is a second
 * try in this process. Threading: the handler runs on the dispatcher at concurrency 1, on lanes chosen by key above.
 */
final class ZmqConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(ZmqConsumer.class);

    final ConsumerOptions options;
    final DeliveryCounters counters;
    private final ZmqBroker broker;
    private final DeliveryHandler handler;
    private final BlockingQueue<Message> inbox;
    private final Queue<Again> again = new ConcurrentLinkedQueue<>();
    private final PrefetchWindow permits;
    private final Set<ZmqAcknowledgement> unsettled = ConcurrentHashMap.newKeySet();
    private final OrderedWorkers workers;
    private final Thread dispatcher;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;

    private record Again(Message message, int attempt) {
    }

    ZmqConsumer(ZmqBroker broker, ConsumerOptions options, DeliveryHandler handler, DeliveryCounters counters) {
        this.broker = broker;
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.inbox = new ArrayBlockingQueue<>(options.prefetch());
        this.permits = new PrefetchWindow(options.prefetch(), Duration.ofMillis(50));
        String name = "polybus-zeromq-" + options.topic() + "-" + options.group();
        this.workers = options.concurrency() > 1 ? new OrderedWorkers(name, options.concurrency()) : null;
        this.dispatcher = new Thread(this::dispatch, name);
        this.dispatcher.setDaemon(true);
        this.dispatcher.start();
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    /** On the hub thread: waits while the inbox is full, unless this consumer closes. */
    void offer(Message message) {
        try {
            while (running) {
                if (inbox.offer(message, 50, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void dispatch() {
        while (running) {
            try {
                if (permits.reserve(1) == 0) {
                    continue;
                }
                Again next = again.poll();
                Message message = next != null ? next.message : inbox.poll(50, TimeUnit.MILLISECONDS);
                if (message == null || !running) {
                    permits.release();
                    continue;
                }
                deliver(message, next != null ? next.attempt : 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void deliver(Message message, int attempt) {
        ZmqAcknowledgement ack = new ZmqAcknowledgement(this, message, attempt);
        unsettled.add(ack);
        Delivery delivery = new Delivery(message, attempt, ack);
        if (workers == null) {
            handle(delivery);
        } else {
            byte[] key = message.unsafeKey();
            try {
                workers.execute(key == null ? message.id().hashCode() : Arrays.hashCode(key), () -> handle(delivery));
            } catch (RejectedExecutionException e) {
                log.debug("delivery of {} arrived while group '{}' closes", message.id(), options.group());
            }
        }
    }

    private void handle(Delivery delivery) {
        if (!running) {
            return;
        }
        try {
            handler.handle(delivery);
        } catch (Exception e) {
            log.error("handler of group '{}' on topic '{}' failed; the delivery stays unsettled until the consumer closes",
                    options.group(), options.topic(), e);
        }
    }

    void settled(ZmqAcknowledgement ack) {
        if (unsettled.remove(ack)) {
            permits.release();
        }
    }

    void again(Message message, int attempt) {
        if (running) {
            again.add(new Again(message, attempt));
        }
    }

    void deadLetter(Message message, String topic, int attempts, String reason) {
        Message letter = DeadLetter.of(message, topic, options.group(), attempts, reason, Map.of());
        if (!broker.deadLetters().offer(ZmqProducer.frame(letter))) {
            log.warn("dead letter {} for topic '{}' could not be handed to zeromq; dropped", message.id(), topic);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        broker.hub().remove(this);
        running = false;
        HandlerShutdown.await(dispatcher, workers, options);
        int lost = 0;
        for (ZmqAcknowledgement ack : unsettled) {
            if (ack.abandon()) {
                lost++;
            }
        }
        unsettled.clear();
        lost += inbox.size() + again.size();
        inbox.clear();
        again.clear();
        if (lost > 0) {
            log.info("zeromq consumer of group '{}' on topic '{}' closed with {} messages unsettled or not yet handled;"
                    + " zeromq keeps nothing to redeliver them", options.group(), options.topic(), lost);
        }
    }
}
