package io.polybus.nats.internal;

import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.polybus.Backpressure;
import io.polybus.BrokerUnavailableException;
import io.polybus.BufferFullException;
import io.polybus.ClosedException;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.PolybusException;
import io.polybus.PolybusTimeoutException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.spi.InFlightLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/**
 * Publishes with JetStream's asynchronous publish: {@code send} hands the message to the connection and returns;
 * its future completes when the stream's acknowledgement (the stored sequence) arrives, and exceptionally when
 * the server refuses it, or does not answer within {@code request-timeout} (the message may or may not have been
 * stored). At most the options' in-flight bytes and {@code producer.max-pending} messages await acknowledgement;
 * past either, {@code send} waits or fails as the options say. Thread-safe.
 */
final class NatsProducer implements Producer {
    private static final Logger log = LoggerFactory.getLogger(NatsProducer.class);

    private final NatsBroker broker;
    private final ProducerOptions options;
    private final Errors errors;
    private final InFlightLimiter limiter;
    private final Semaphore slots;
    private final int maxPending;
    private final long maxMessageBytes;
    private final long serverMaxPayload;
    /**
     * Sends awaiting acknowledgement, for {@link #flush} and {@link #close}: a list through the sends themselves,
     * so that a send links and unlinks itself in constant time without allocating or hashing (a concurrent set cost
     * the hot path a hash, a table slot and a contended size counter per message). Guarded by {@link #pendingLock}.
     */
    private final ReentrantLock pendingLock = new ReentrantLock();
    private Pending first;
    private Pending last;
    private volatile boolean closed;

    NatsProducer(NatsBroker broker, ProducerOptions options) {
        this.broker = broker;
        this.options = options;
        this.errors = new Errors(broker.settings);
        this.limiter = new InFlightLimiter(options);
        this.maxPending = broker.settings.maxPending();
        this.slots = new Semaphore(maxPending);
        this.maxMessageBytes = broker.maxMessageBytes();
        this.serverMaxPayload = broker.serverMaxPayload();
    }

    /** One send awaiting the server's acknowledgement: the caller's future, completed from jnats' one. */
    private final class Pending extends CompletableFuture<Receipt> implements BiConsumer<PublishAck, Throwable> {
        private final NatsBroker.Topic topic;
        private final String id;
        private final int size;
        /** Neighbours in the list of pending sends; guarded by {@link #pendingLock}. */
        private Pending previous;
        private Pending next;
        private boolean linked;

        Pending(NatsBroker.Topic topic, String id, int size) {
            this.topic = topic;
            this.id = id;
            this.size = size;
        }

        @Override
        public void accept(PublishAck ack, Throwable error) {
            unlink(this);
            limiter.release(size);
            slots.release();
            if (error == null) {
                complete(new NatsReceipt(topic.name(), id, topic.stream(), ack.getSeqno()));
            } else {
                PolybusException failure = errors.publish(error, topic.name());
                if (failure instanceof BrokerUnavailableException && String.valueOf(error.getMessage()).contains("503")) {
                    broker.forget(topic);
                }
                completeExceptionally(failure);
            }
        }
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("nats producer is closed"));
        }
        int size = message.sizeInBytes();
        if (size > maxMessageBytes) {
            return CompletableFuture.failedFuture(new MessageTooLargeException(message.topic(), size, maxMessageBytes));
        }
        NatsBroker.Topic topic;
        try {
            topic = broker.topic(message.topic());
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        Headers headers = WireFormat.headers(message);
        byte[] payload = message.unsafePayload();
        long encoded = (headers == null ? 0L : headers.serializedLength()) + payload.length;
        if (encoded > serverMaxPayload) {
            return CompletableFuture.failedFuture(new MessageTooLargeException("message for topic '" + message.topic()
                    + "' takes " + encoded + " bytes with its headers (its key and headers are encoded), above the "
                    + serverMaxPayload + " bytes NATS accepts (max_payload); messages up to " + maxMessageBytes
                    + " bytes of key, payload and headers fit", size, maxMessageBytes, null));
        }
        try {
            acquireSlot();
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            limiter.acquire(size);
        } catch (PolybusException e) {
            slots.release();
            return CompletableFuture.failedFuture(e);
        }
        Pending p = new Pending(topic, message.hasGivenId() ? message.id() : null, size);
        link(p);
        CompletableFuture<PublishAck> ack;
        try {
            ack = broker.jetStream.publishAsync(topic.subject(), headers, payload);
        } catch (RuntimeException e) {
            p.accept(null, e);
            return p;
        }
        ack.whenComplete(p);
        return p;
    }

    private void link(Pending p) {
        pendingLock.lock();
        try {
            p.previous = last;
            if (last == null) {
                first = p;
            } else {
                last.next = p;
            }
            last = p;
            p.linked = true;
        } finally {
            pendingLock.unlock();
        }
    }

    private void unlink(Pending p) {
        pendingLock.lock();
        try {
            if (!p.linked) {
                return;
            }
            if (p.previous == null) {
                first = p.next;
            } else {
                p.previous.next = p.next;
            }
            if (p.next == null) {
                last = p.previous;
            } else {
                p.next.previous = p.previous;
            }
            p.previous = null;
            p.next = null;
            p.linked = false;
        } finally {
            pendingLock.unlock();
        }
    }

    /** The sends awaiting acknowledgement now, oldest first. */
    private List<Pending> pending() {
        List<Pending> all = new ArrayList<>();
        pendingLock.lock();
        try {
            for (Pending p = first; p != null; p = p.next) {
                all.add(p);
            }
        } finally {
            pendingLock.unlock();
        }
        return all;
    }

    /** Takes one of the {@code producer.max-pending} slots, applying the backpressure of the options. */
    private void acquireSlot() {
        if (slots.tryAcquire()) {
            return;
        }
        boolean got = false;
        if (options.backpressure() == Backpressure.BLOCK) {
            try {
                got = slots.tryAcquire(options.blockTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PolybusException("interrupted while waiting for room to send", e);
            }
        }
        if (!got) {
            throw new BufferFullException("producer has " + maxPending + " messages awaiting the acknowledgement of NATS "
                    + "at " + broker.settings.address() + ", its limit (" + NatsSettings.MAX_PENDING + ")");
        }
        if (closed) {
            slots.release();
            throw new ClosedException("nats producer closed while waiting for room to send");
        }
    }

    @Override
    public void flush() {
        if (!awaitAll(pending(), System.nanoTime() + options.closeTimeout().toNanos())) {
            throw new PolybusTimeoutException("nats producer did not complete its sends within " + options.closeTimeout());
        }
    }

    /** Waits for {@code futures} until {@code deadline}; false when some are still pending then. */
    private static boolean awaitAll(List<Pending> futures, long deadline) {
        for (Pending p : futures) {
            try {
                p.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                continue;
            } catch (TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        limiter.close();
        if (!awaitAll(pending(), System.nanoTime() + options.closeTimeout().toNanos())) {
            List<Pending> left = pending();
            log.warn("nats producer: {} sends not confirmed by NATS at {} within {}; failing them", left.size(),
                    broker.settings.address(), options.closeTimeout());
            PolybusTimeoutException timeout = new PolybusTimeoutException("NATS at " + broker.settings.address()
                    + " did not confirm the message within the close timeout of " + options.closeTimeout()
                    + "; it may or may not have been stored");
            left.forEach(p -> p.completeExceptionally(timeout));
        }
    }
}
