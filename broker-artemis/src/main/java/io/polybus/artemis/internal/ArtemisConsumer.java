package io.polybus.artemis.internal;

import io.polybus.ClosedException;
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
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.core.client.impl.ClientConsumerInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One member of a group: a connection and session of its own consuming the group's queue; acks go to Artemis as
 * contiguous runs, batched (see {@link #ack}). The core client pushes messages to a message handler on its session
 * thread, which takes one prefetch slot per message (waiting while the prefetch is full, which stops the client's
 * credits and so the broker); with concurrency 1 it runs the handler itself (the queue's order, no hand-off), above
 * 1 it hands deliveries to {@link OrderedWorkers} lanes chosen by key. Artemis's message groups keep one key on one
 * consumer of the group.
 *
 * <p>REQUEUE: Artemis has no per-message "return to the queue" in the core protocol, so a copy carrying the next
 * attempt number is sent (acknowledged by the broker) straight to the group's queue, then the original is acked.
 * Dead letters are sent (acknowledged) to the dead-letter topic, then the original is acked. When such a send
 * fails, the consumer reconnects: closing its session hands every unsettled delivery back to the queue.
 *
 * <p>Recovery: a supervisor thread sends batched acks of an idle consumer and watches the connection. When it
 * fails, the unsettled deliveries of that connection are abandoned (settling them later is a no-op; Artemis
 * redelivers them) and the supervisor reconnects every {@code recovery-interval} until it succeeds or the consumer
 * closes.
 *
 * <p>Close stops deliveries, waits for running handlers and pending requeue and dead-letter sends, then closes
 * the session without acking the rest, so Artemis redelivers them.
 */
final class ArtemisConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(ArtemisConsumer.class);
    /** How often the supervisor flushes idle acks and looks at the connection; how long a full prefetch waits per try. */
    private static final long POLL_MILLIS = 100;

    /**
     * One connection of this consumer and the deliveries it handed out, as a chain in the order Artemis delivered
     * them ({@link ArtemisAcknowledgement#next}): the session thread appends at {@link #tail} without a lock, acks
     * walk it from {@link #ackedThrough} under {@link #ackLock}. Each delivery's prefetch slot is freed once, under that
     * lock, by whichever comes first: its ack, a failed requeue or dead letter, or the connection's drop.
     */
    static final class Receiving {
        final Link link;
        final ClientConsumer consumer;
        /** Acknowledgements come from handler threads; a core session takes one call at a time. */
        final ReentrantLock ackLock = new ReentrantLock();
        /** The last delivery acked to Artemis, all before it too (at first a placeholder); guarded by {@link #ackLock}. */
        private ArtemisAcknowledgement ackedThrough;
        /** The last delivery appended; the session thread's alone. */
        private ArtemisAcknowledgement tail;

        Receiving(ArtemisConsumer owner, Link link, ClientConsumer consumer) {
            this.link = link;
            this.consumer = consumer;
            this.ackedThrough = ArtemisAcknowledgement.placeholder(owner, this);
            this.tail = ackedThrough;
        }

        /** On the session thread: a delivery joins the chain before its handler sees it. */
        void append(ArtemisAcknowledgement ack) {
            tail.next = ack;
            tail = ack;
        }

        /** Whether {@code ack}'s prefetch slot was still taken; it is free now. Call with {@link #ackLock} held. */
        boolean free(ArtemisAcknowledgement ack) {
            if (ack.freed) {
                return false;
            }
            ack.freed = true;
            return true;
        }
    }

    final ConsumerOptions options;
    final DeliveryCounters counters;
    private final ArtemisBroker broker;
    private final DeliveryHandler handler;
    private final String queue;
    private final SimpleString requeueAddress;
    private final PrefetchWindow permits;
    private final OrderedWorkers workers;
    private final Thread supervisor;
    /** Held while the handler runs on the client's session thread (concurrency 1), so that close can wait for it. */
    private final ReentrantLock inlineHandler = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile Receiving current;
    private final ReentrantLock sideLock = new ReentrantLock();
    /** Guarded by {@link #sideLock}. */
    private SendLink side;
    private final Set<CompletableFuture<?>> sidePending = ConcurrentHashMap.newKeySet();

    private ArtemisConsumer(ArtemisBroker broker, ConsumerOptions options, DeliveryHandler handler,
                            DeliveryCounters counters) {
        this.broker = broker;
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.queue = ArtemisBroker.queueName(options.topic(), options.group());
        // The fully qualified queue name: a send to it reaches this group's queue only.
        this.requeueAddress = SimpleString.of(options.topic() + "::" + queue);
        this.permits = new PrefetchWindow(options.prefetch(), Duration.ofMillis(POLL_MILLIS));
        String name = "polybus-artemis-" + queue;
        this.workers = options.concurrency() > 1 ? new OrderedWorkers(name + "-worker", options.concurrency()) : null;
        this.supervisor = new Thread(this::supervise, name);
        this.supervisor.setDaemon(true);
    }

    /** Declares the group's queue, starts consuming it and returns once both are done. */
    static ArtemisConsumer start(ArtemisBroker broker, ConsumerOptions options, DeliveryHandler handler,
                                 DeliveryCounters counters) {
        ArtemisConsumer consumer = new ArtemisConsumer(broker, options, handler, counters);
        try {
            consumer.current = consumer.connect();
        } catch (ActiveMQException | RuntimeException e) {
            throw broker.errors.translate(e, "subscribe of group '" + options.group() + "' to topic '" + options.topic() + "'");
        }
        consumer.supervisor.start();
        return consumer;
    }

    private Receiving connect() throws ActiveMQException {
        Link link = Link.open(broker, failure -> log.info("group '{}' on topic '{}' lost its connection to Artemis at {}"
                + " ({}); unsettled deliveries will be redelivered", options.group(), options.topic(),
                broker.errors.address(), failure.getMessage()));
        try {
            broker.declareGroup(link.session, options.topic(), queue, options.ephemeral());
            if (options.deadLetterTopic().isPresent()) {
                broker.declareDeadLetter(link.session, options.deadLetterTopic().get());
            }
            ClientConsumer consumer = link.session.createConsumer(queue);
            Receiving r = new Receiving(this, link, consumer);
            consumer.setMessageHandler(m -> onMessage(r, m));
            link.session.start();
            return r;
        } catch (ActiveMQException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    private void supervise() {
        long backoff = 0;
        while (running) {
            Receiving r = current;
            if (r == null || r.link.isDead()) {
                if (r != null) {
                    drop(r);
                    current = null;
                }
                backoff = reconnect(backoff);
                continue;
            }
            flushAcks(r);
            pause(POLL_MILLIS);
        }
    }

    /** A message from the client, on the session's thread: waits for a prefetch slot, then delivers it. */
    private void onMessage(Receiving r, ClientMessage m) {
        try {
            int room = 0;
            while (room == 0) {
                if (!running || r.link.isDead()) {
                    // Not delivered: it stays unacked, and Artemis redelivers it when this session ends.
                    return;
                }
                room = permits.reserve(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        deliver(r, m);
    }

    /** One attempt to connect again, after {@code backoff} ms; returns the next back-off (0 once connected). */
    private long reconnect(long backoff) {
        pause(backoff);
        if (!running) {
            return backoff;
        }
        try {
            current = connect();
            log.info("group '{}' on topic '{}' is connected to Artemis at {} again", options.group(), options.topic(),
                    broker.errors.address());
            return 0;
        } catch (ActiveMQException | RuntimeException e) {
            log.warn("group '{}' on topic '{}' cannot reconnect to Artemis at {} yet: {}", options.group(), options.topic(),
                    broker.errors.address(), broker.errors.translate(e, "reconnect").getMessage());
            return broker.settings.recoveryInterval.toMillis();
        }
    }

    private void pause(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (running && System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.min(POLL_MILLIS, millis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void deliver(Receiving r, ClientMessage m) {
        WireFormat.Received received;
        try {
            received = WireFormat.read(options.topic(), m);
        } catch (RuntimeException e) {
            log.error("dropping a message on queue '{}' that cannot be read as a Polybus message", queue, e);
            acknowledge(r, m);
            permits.release(1);
            return;
        }
        Message message = received.message();
        int attempt = received.attempt();
        ArtemisAcknowledgement ack = new ArtemisAcknowledgement(this, r, m, message, attempt);
        r.append(ack);
        if (attempt > options.maxDeliveries()) {
            // Redelivered after consumers failed without settling it (e.g. crashed on it) too often.
            ack.reject("delivered " + attempt + " times, never settled by a consumer (maxDeliveries "
                    + options.maxDeliveries() + ")");
            return;
        }
        Delivery delivery = new Delivery(message, attempt, ack);
        if (workers == null) {
            inlineHandler.lock();
            try {
                handle(delivery);
            } finally {
                inlineHandler.unlock();
            }
            return;
        }
        byte[] key = message.unsafeKey();
        try {
            workers.execute(key == null ? message.id().hashCode() : Arrays.hashCode(key), () -> handle(delivery));
        } catch (RejectedExecutionException e) {
            // Closing: the delivery stays unsettled and Artemis redelivers it.
            log.debug("a delivery arrived while group '{}' closes", options.group());
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

    /**
     * Acks a delivery. Artemis's plain acknowledgement covers every delivery of the consumer up to the one named,
     * and the client sends it batched (one packet per ack batch size): so deliveries are acked as a contiguous
     * run from the oldest, and one acked out of order waits until those before it are acked too. A delivery that
     * is never acked (its consumer closes or loses the connection first) holds back the acks after it; they are
     * then redelivered with it, as at-least-once allows.
     */
    void ack(ArtemisAcknowledgement ack) {
        Receiving r = ack.receiving;
        r.ackLock.lock();
        try {
            if (!r.free(ack)) {
                return;
            }
            ack.acked = true;
            ArtemisAcknowledgement upTo = null;
            ArtemisAcknowledgement next;
            while ((next = r.ackedThrough.next) != null && next.acked) {
                r.ackedThrough = next;
                upTo = next;
            }
            if (upTo != null) {
                upTo.delivered.acknowledge();
            }
        } catch (ActiveMQException | RuntimeException e) {
            log.debug("ack on queue '{}' not sent ({}); Artemis will redeliver the message", queue, e.toString());
        } finally {
            r.ackLock.unlock();
        }
        permits.release();
    }

    /** Sends the acks the client holds back for its batch, so that an idle consumer's acks reach the broker. */
    private void flushAcks(Receiving r) {
        r.ackLock.lock();
        try {
            ((ClientConsumerInternal) r.consumer).flushAcks();
        } catch (ActiveMQException | RuntimeException e) {
            log.debug("flushing acks on queue '{}' failed ({}); Artemis will redeliver those messages", queue, e.toString());
        } finally {
            r.ackLock.unlock();
        }
    }

    private void acknowledge(Receiving r, ClientMessage m) {
        r.ackLock.lock();
        try {
            m.individualAcknowledge();
        } catch (ActiveMQException | RuntimeException e) {
            log.debug("ack on queue '{}' not sent ({}); Artemis will redeliver the message", queue, e.toString());
        } finally {
            r.ackLock.unlock();
        }
    }

    void requeue(ArtemisAcknowledgement ack) {
        sideSend(ack, requeueAddress, WireFormat.toClient(ack.message, broker.settings.persistent, ack.attempt() + 1),
                "requeue");
    }

    /**
     * Requeues with Artemis' scheduled delivery: the broker keeps the copy out of the queue until it is due (by the
     * broker's clock, against this client's), while the queue's other messages keep flowing.
     */
    void requeue(ArtemisAcknowledgement ack, Duration delay) {
        ClientMessage copy = WireFormat.toClient(ack.message, broker.settings.persistent, ack.attempt() + 1);
        copy.putLongProperty(org.apache.activemq.artemis.api.core.Message.HDR_SCHEDULED_DELIVERY_TIME,
                System.currentTimeMillis() + delay.toMillis());
        sideSend(ack, requeueAddress, copy, "delayed requeue");
    }

    void deadLetter(ArtemisAcknowledgement ack, String deadLetterTopic, String reason) {
        Message letter = DeadLetter.of(ack.message, deadLetterTopic, options.group(), ack.attempt(), reason,
                Map.of(WireFormat.DEAD_LETTER_QUEUE, queue));
        sideSend(ack, broker.address(deadLetterTopic), WireFormat.toClient(letter, broker.settings.persistent, 1),
                "dead letter");
    }

    /** Sends a replacement of the delivery, then acks it; reconnects (handing everything back) when that fails. */
    private void sideSend(ArtemisAcknowledgement ack, SimpleString address, ClientMessage replacement, String what) {
        SendLink.Pending p = new SendLink.Pending(new ArtemisReceipt(address.toString(), ack.message.id(), null, 0), 0, what);
        sideLock.lock();
        try {
            if (side == null || side.isDead()) {
                if (side != null) {
                    side.close();
                }
                side = SendLink.open(broker, bytes -> { },
                        e -> broker.errors.translate(e, what + " of group '" + options.group() + "'"));
            }
            side.send(address, replacement, p);
        } catch (ActiveMQException | RuntimeException e) {
            p.fail(broker.errors.translate(e, what + " of group '" + options.group() + "'"));
        } finally {
            sideLock.unlock();
        }
        CompletableFuture<Void> settling = p.future.handle((receipt, error) -> {
            if (error == null) {
                ack(ack);
            } else {
                log.warn("{} of message {} for group '{}' failed; reconnecting to hand the unsettled deliveries back: {}",
                        what, ack.message.id(), options.group(), error.getMessage());
                // Settled, so the reconnect will not abandon it: its prefetch slot is freed here.
                freeSlot(ack);
                ack.receiving.link.kill(new ActiveMQException(error.getMessage(), error, ActiveMQExceptionType.INTERNAL_ERROR));
            }
            return null;
        });
        sidePending.add(settling);
        settling.whenComplete((done, error) -> sidePending.remove(settling));
    }

    /** Deletes an ephemeral group's queue, its consumer closed first (a queue with consumers is not deleted). */
    private void deleteQueue(Receiving r) {
        try {
            r.consumer.close();
            r.link.session.deleteQueue(SimpleString.of(queue));
        } catch (ActiveMQException | RuntimeException e) {
            log.warn("could not delete the queue '{}' of the ephemeral group '{}' at {}: {}", queue, options.group(),
                    broker.errors.address(), e.toString());
        }
    }

    /** Frees the prefetch slot of a delivery that will not be acked, unless that happened already. */
    private void freeSlot(ArtemisAcknowledgement ack) {
        Receiving r = ack.receiving;
        boolean free;
        r.ackLock.lock();
        try {
            free = r.free(ack);
        } finally {
            r.ackLock.unlock();
        }
        if (free) {
            permits.release();
        }
    }

    /**
     * Abandons the unsettled deliveries of a connection that is gone and closes it; Artemis redelivers them. One
     * being requeued or dead-lettered keeps its slot until that send is answered.
     */
    private void drop(Receiving r) {
        int freed = 0;
        r.ackLock.lock();
        try {
            for (ArtemisAcknowledgement a = r.ackedThrough.next; a != null; a = a.next) {
                if (!a.freed && a.abandon()) {
                    a.freed = true;
                    freed++;
                }
            }
        } finally {
            r.ackLock.unlock();
        }
        permits.release(freed);
        r.link.close();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        long deadline = System.nanoTime() + options.closeTimeout().toNanos();
        HandlerShutdown.await(supervisor, workers, options);
        if (workers == null) {
            HandlerShutdown.awaitInline(inlineHandler, deadline, options);
        }
        HandlerShutdown.awaitSettling(sidePending, deadline, options);
        Receiving r = current;
        current = null;
        if (r != null) {
            if (options.ephemeral()) {
                deleteQueue(r);
            }
            drop(r);
        }
        sideLock.lock();
        try {
            if (side != null) {
                side.failAll(new ClosedException("consumer of group '" + options.group() + "' closed"));
                side.close();
            }
        } finally {
            sideLock.unlock();
        }
    }
}
