package io.polybus.nats.internal;

import io.nats.client.Subscription;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.StartPosition;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.HandlerShutdown;
import io.polybus.spi.OrderedWorkers;
import io.polybus.spi.PrefetchWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A member of a group. It speaks JetStream's pull protocol itself, on an inbox of its own: a pull request
 * ({@code $JS.API.CONSUMER.MSG.NEXT.<stream>.<group>}) asks for as many messages as the prefetch has room for, and
 * another goes out whenever half a batch is free again, so that the server always has a request to fill while the
 * handler works. Every request answers on the one inbox, so messages arrive in the order the server sends them,
 * stream order, however the server spreads them over the requests; the consumer counts what it asked for and did
 * not get (a request that expires says how many it did not deliver), so that it never holds more than its
 * prefetch. One reader thread reads the inbox and runs the handler (on itself at concurrency 1, on per-key lanes
 * above). A ticker marks unsettled deliveries as in progress, so that a slow handler does not lose its delivery to
 * the ack wait. Closing sends no more requests, waits (at most {@code poll-timeout}) until the pending ones ended (a
 * request the server still held would take the messages handed back, for nobody), then hands every unsettled
 * delivery back at once ({@code -NAK}).
 */
final class NatsConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(NatsConsumer.class);
    private static final long MAX_BACKOFF_MILLIS = 2000;
    private static final Duration READ_WAIT = Duration.ofMillis(100);
    private static final String PENDING_MESSAGES = "Nats-Pending-Messages";

    final NatsBroker broker;
    final NatsBroker.Topic topic;
    final ConsumerOptions options;
    final DeliveryCounters counters;
    private final String durable;
    private final String pullSubject;
    private final DeliveryHandler handler;
    private final OrderedWorkers workers;
    private final Thread reader;
    private final PrefetchWindow permits;
    private final int batch;
    private final int refillAt;
    private final long expiresNanos;
    /** How long after a request's expiry its end must have been reported, or it is taken as lost. */
    private final long graceNanos;
    private final long keepAliveNanos;
    /** Unsettled deliveries (acknowledgements compare by identity). */
    private final Set<NatsAcknowledgement> handedOut = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    private ScheduledFuture<?> keepAlive;
    private final Subscription inbox;
    /** Messages asked for and neither received nor reported undelivered; reader thread only. */
    private int outstanding;
    /** When the last request sent expires at the server; reader thread only. */
    private long lastExpiry;

    NatsConsumer(NatsBroker broker, NatsBroker.Topic topic, String durable, ConsumerOptions options,
                 DeliveryHandler handler, DeliveryCounters counters, int member) {
        this.broker = broker;
        this.topic = topic;
        this.durable = durable;
        this.pullSubject = "$JS.API.CONSUMER.MSG.NEXT." + topic.stream() + "." + durable;
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.permits = new PrefetchWindow(options.prefetch(), Duration.ofMillis(50));
        this.batch = Math.min(options.prefetch(), broker.settings.fetchBatch());
        this.refillAt = Math.max(1, batch / 2);
        this.expiresNanos = broker.settings.pollTimeout().toNanos();
        this.graceNanos = broker.settings.requestTimeout().toNanos();
        this.keepAliveNanos = broker.keepAliveInterval().toNanos();
        String name = "polybus-nats-" + options.topic() + "-" + options.group() + "-" + member;
        this.workers = options.concurrency() > 1 ? new OrderedWorkers(name + "-worker", options.concurrency()) : null;
        this.inbox = broker.connection.subscribe(broker.connection.createInbox());
        this.reader = new Thread(this::readLoop, name);
        this.reader.setDaemon(true);
    }

    void start() {
        reader.start();
        keepAlive = broker.ticker.scheduleAtFixedRate(this::keepAlive, keepAliveNanos, keepAliveNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    private void readLoop() {
        long backoff = 0;
        long closeDeadline = 0;
        while (true) {
            try {
                if (running) {
                    pull();
                } else if (closeDeadline == 0) {
                    closeDeadline = System.nanoTime() + expiresNanos + graceNanos;
                }
                if (!running && (outstanding <= 0 || System.nanoTime() - closeDeadline > 0)) {
                    break;
                }
                io.nats.client.Message m = inbox.nextMessage(outstanding > 0 ? READ_WAIT : Duration.ofMillis(1));
                if (m == null) {
                    forgetLostRequests();
                } else if (m.isStatusMessage()) {
                    status(m);
                } else {
                    received(m);
                }
                backoff = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                backoff = backoff == 0 ? 50 : Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                log.warn("consumer of group '{}' on topic '{}' failed to pull from nats at {}; retrying in {} ms: {}",
                        options.group(), options.topic(), broker.settings.address(), backoff, e.toString());
                pause(backoff);
                recover();
            }
        }
        try {
            inbox.unsubscribe();
        } catch (RuntimeException e) {
            log.debug("leaving the inbox of group '{}': {}", options.group(), e.toString());
        }
    }

    /**
     * Sends a pull request when the prefetch has room for half a batch (or for anything, when no request is
     * pending, waiting a little for a settled delivery when it is full).
     */
    private void pull() throws InterruptedException {
        int room;
        if (outstanding <= 0) {
            room = permits.reserve(batch);
        } else {
            int free = options.prefetch() - outstanding - handedOut.size();
            room = free >= refillAt ? permits.reserve(Math.min(batch, free)) : 0;
        }
        if (room == 0) {
            return;
        }
        try {
            broker.connection.publish(pullSubject, inbox.getSubject(),
                    ("{\"batch\":" + room + ",\"expires\":" + expiresNanos + "}").getBytes(StandardCharsets.US_ASCII));
        } catch (RuntimeException e) {
            permits.release(room);
            throw e;
        }
        outstanding += room;
        lastExpiry = System.nanoTime() + expiresNanos;
    }

    /** A request ended without delivering everything it asked for: the server says how much it did not. */
    private void status(io.nats.client.Message m) {
        String pending = m.getHeaders() == null ? null : m.getHeaders().getFirst(PENDING_MESSAGES);
        if (pending != null) {
            try {
                undelivered(Integer.parseInt(pending.trim()));
                return;
            } catch (NumberFormatException e) {
                log.debug("unreadable {} header: {}", PENDING_MESSAGES, pending);
            }
        }
        int code = m.getStatus().getCode();
        if (code != 100) {
            log.debug("group '{}' on topic '{}': status {} {}", options.group(), options.topic(), code,
                    m.getStatus().getMessage());
        }
        if (code == 409 && String.valueOf(m.getStatus().getMessage()).contains("Deleted")) {
            log.warn("group '{}' on topic '{}' was deleted on nats at {}; creating it again", options.group(),
                    options.topic(), broker.settings.address());
            recover();
        }
    }

    private void undelivered(int n) {
        int released = Math.max(0, Math.min(n, outstanding));
        outstanding -= released;
        permits.release(released);
    }

    /**
     * When every request sent has expired at the server and still some were not reported ended (the server
     * restarted, or the connection broke, in the meantime), they are lost: their room is free again, and the group
     * is looked up (and created again, should it have vanished with the server's memory).
     */
    private void forgetLostRequests() {
        if (outstanding > 0 && System.nanoTime() - (lastExpiry + graceNanos) > 0) {
            log.debug("group '{}' on topic '{}': {} requested messages never came; asking again", options.group(),
                    options.topic(), outstanding);
            undelivered(outstanding);
            recover();
        }
    }

    /** After a failure: finds the group again, creating the stream and the group when they vanished. */
    private void recover() {
        try {
            broker.forget(topic);
            broker.topic(topic.name());
            broker.consumer(topic, durable, StartPosition.EARLIEST, options.ephemeral());
        } catch (RuntimeException e) {
            log.debug("group '{}' on topic '{}' not found again yet: {}", options.group(), options.topic(), e.toString());
        }
    }

    private void pause(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (running && System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.min(50, millis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A message arrived: the prefetch permit of its request now belongs to its delivery. */
    private void received(io.nats.client.Message m) {
        boolean permitted = outstanding > 0;
        if (permitted) {
            outstanding--;
        }
        if (!m.isJetStream()) {
            log.warn("group '{}' on topic '{}' got a message that is not from JetStream on its inbox (subject {}); "
                    + "ignoring it", options.group(), options.topic(), m.getSubject());
            release(permitted);
            return;
        }
        AckSubject meta;
        Message message;
        try {
            meta = AckSubject.parse(m.getReplyTo());
            message = WireFormat.decode(options.topic(), m.getHeaders(), m.getData(), meta);
        } catch (RuntimeException e) {
            log.error("group '{}' on topic '{}' got a message it cannot read (reply subject {}); terminating it",
                    options.group(), options.topic(), m.getReplyTo(), e);
            broker.connection.publish(m.getReplyTo(), NatsAcknowledgement.TERM);
            release(permitted);
            return;
        }
        int attempt = (int) Math.min(Integer.MAX_VALUE, meta.delivered());
        NatsAcknowledgement ack = new NatsAcknowledgement(this, m.getReplyTo(), meta.streamSequence(), message, attempt,
                permitted);
        handedOut.add(ack);
        if (!running) {
            return;
        }
        if (attempt > options.maxDeliveries()) {
            ack.requeue("delivered " + (attempt - 1) + " times without an outcome (its consumers stopped or crashed)");
            return;
        }
        Delivery delivery = new Delivery(message, attempt, ack);
        if (workers == null) {
            handle(delivery);
        } else {
            byte[] key = message.unsafeKey();
            workers.execute(key == null ? message.id().hashCode() : Arrays.hashCode(key), () -> handle(delivery));
        }
    }

    private void release(boolean permitted) {
        if (permitted) {
            permits.release();
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

    /** A delivery was settled: its prefetch permit is free. */
    void settled(NatsAcknowledgement ack) {
        handedOut.remove(ack);
        release(ack.permitted);
    }

    /** Tells the server that deliveries held for a while are still being handled, so that their ack wait restarts. */
    private void keepAlive() {
        long now = System.nanoTime();
        for (NatsAcknowledgement ack : handedOut) {
            if (now - ack.touched >= keepAliveNanos && !ack.isSettled()) {
                ack.touched = now;
                ack.inProgress();
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
        HandlerShutdown.await(reader, workers, options);
        for (NatsAcknowledgement ack : handedOut) {
            if (ack.abandon()) {
                ack.handBack();
            }
        }
        handedOut.clear();
        if (options.ephemeral()) {
            broker.deleteConsumer(topic, durable);
        }
    }
}
