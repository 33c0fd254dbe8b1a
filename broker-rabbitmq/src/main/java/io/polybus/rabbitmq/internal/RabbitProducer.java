package io.polybus.rabbitmq.internal;

import io.polybus.Backpressure;
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

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Publishes on a channel of its own in confirm mode. Thread-safe: publishes are serialised by a lock (a
 * channel must not interleave publishes from two threads); confirms complete the futures on the connection's
 * I/O thread. A channel that shuts down (connection lost, or a channel error such as a missing exchange) fails
 * its unconfirmed sends and is replaced on the next send.
 *
 * <p>Bounded: at most {@link ProducerOptions#maxInFlightBytes()} bytes and {@code max-unconfirmed} messages
 * are unconfirmed; past either bound {@code send} applies the producer's {@link Backpressure}.
 */
final class RabbitProducer implements Producer {
    private final RabbitBroker broker;
    private final ProducerOptions options;
    private final InFlightLimiter bytes;
    private final Semaphore window;
    private final int maxUnconfirmed;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private ConfirmChannel channel;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;

    RabbitProducer(RabbitBroker broker, ProducerOptions options) {
        this.broker = broker;
        this.options = options;
        this.bytes = new InFlightLimiter(options);
        this.maxUnconfirmed = broker.settings.maxUnconfirmed;
        this.window = new Semaphore(maxUnconfirmed);
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("rabbitmq producer is closed"));
        }
        int size = message.sizeInBytes();
        long limit = broker.settings.maxMessageBytes;
        if (size > limit) {
            return CompletableFuture.failedFuture(new MessageTooLargeException("message of " + size
                    + " bytes for topic '" + message.topic() + "' exceeds the limit of " + limit
                    + " bytes (max-message-bytes)", size, limit, null));
        }
        try {
            broker.awaitUnblocked(options.backpressure() == Backpressure.FAIL ? Duration.ZERO : options.blockTimeout());
            bytes.acquire(size);
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            acquireWindow();
        } catch (PolybusException e) {
            bytes.release(size);
            return CompletableFuture.failedFuture(e);
        }
        String topic = message.topic();
        lock.lock();
        try {
            if (closed) {
                release(size);
                return CompletableFuture.failedFuture(new ClosedException("rabbitmq producer is closed"));
            }
            ConfirmChannel c = channel();
            broker.ensureExchange(c.channel(), topic);
            return c.publish(topic, WireFormat.routingKey(message), broker.settings.mandatory,
                    WireFormat.properties(message, broker.settings.persistent, 1), message.unsafePayload(),
                    topic, message.id(), size);
        } catch (IOException | RuntimeException e) {
            release(size);
            return CompletableFuture.failedFuture(broker.failure(e, "send to topic '" + topic + "'"));
        } finally {
            lock.unlock();
        }
    }

    private void acquireWindow() {
        if (window.tryAcquire()) {
            return;
        }
        if (options.backpressure() == Backpressure.FAIL) {
            throw windowFull();
        }
        try {
            if (!window.tryAcquire(options.blockTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                throw windowFull();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolybusException("interrupted while waiting for room to send", e);
        }
        if (closed) {
            window.release();
            throw new ClosedException("rabbitmq producer closed while waiting for room to send");
        }
    }

    private BufferFullException windowFull() {
        return new BufferFullException("producer has " + maxUnconfirmed + " unconfirmed messages, its limit"
                + " (max-unconfirmed); RabbitMQ has not confirmed them yet");
    }

    private void release(long size) {
        bytes.release(size);
        window.release();
    }

    /** The live channel, replacing a dead one. Called under {@link #lock}. */
    private ConfirmChannel channel() throws IOException {
        ConfirmChannel c = channel;
        if (c != null && !c.isDead()) {
            return c;
        }
        if (c != null) {
            c.abort();
            channel = null;
        }
        c = ConfirmChannel.open(broker.publishing(), this::release,
                cause -> broker.shutdown(cause, "a send"));
        channel = c;
        return c;
    }

    @Override
    public void flush() {
        if (!bytes.awaitEmpty(options.closeTimeout())) {
            throw new PolybusTimeoutException("rabbitmq producer: " + bytes.inFlightBytes()
                    + " bytes still unconfirmed after " + options.closeTimeout());
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        bytes.awaitEmpty(options.closeTimeout());
        bytes.close();
        lock.lock();
        try {
            ConfirmChannel c = channel;
            channel = null;
            if (c != null) {
                c.failAll(new ClosedException("rabbitmq producer closed before RabbitMQ confirmed the message"
                        + " (waited " + options.closeTimeout() + "); it may or may not have been stored"));
                c.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
