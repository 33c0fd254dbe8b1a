package io.polybus.artemis.internal;

import io.polybus.BrokerUnavailableException;
import io.polybus.ClosedException;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.PolybusException;
import io.polybus.PolybusTimeoutException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.spi.InFlightLimiter;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.client.ClientMessage;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends on a connection and session of its own. Thread-safe: sends are serialised by a lock (a core session is
 * single-threaded); the broker's acknowledgements complete the futures on the client's I/O thread. A connection
 * that fails fails its unacknowledged sends and is replaced on the next send; while Artemis cannot be reached,
 * sends fail at once for {@code recovery-interval} after each failed attempt to connect.
 *
 * <p>Bounded: at most {@link ProducerOptions#maxInFlightBytes()} bytes are unacknowledged; past that {@code send}
 * applies the producer's backpressure. (The core client's own producer window, 64 KiB of credits by default,
 * comes on top: a send waits for credits inside the client while Artemis blocks the address.)
 */
final class ArtemisProducer implements Producer {
    private final ArtemisBroker broker;
    private final ProducerOptions options;
    private final InFlightLimiter bytes;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private SendLink link;
    /** Guarded by {@link #lock}. */
    private long sends;
    /** Guarded by {@link #lock}: no connection attempt before this {@link System#nanoTime()}. */
    private long retryAfter;
    /** Guarded by {@link #lock}. */
    private PolybusException lastConnectFailure;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;

    ArtemisProducer(ArtemisBroker broker, ProducerOptions options) {
        this.broker = broker;
        this.options = options;
        this.bytes = new InFlightLimiter(options);
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("artemis producer is closed"));
        }
        int size = message.sizeInBytes();
        long limit = broker.settings.maxMessageBytes;
        if (size > limit) {
            return CompletableFuture.failedFuture(new MessageTooLargeException("message of " + size
                    + " bytes for topic '" + message.topic() + "' exceeds the limit of " + limit
                    + " bytes (max-message-bytes)", size, limit, null));
        }
        try {
            bytes.acquire(size);
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        ClientMessage wire = WireFormat.toClient(message, broker.settings.persistent, 1);
        String topic = message.topic();
        lock.lock();
        try {
            if (closed) {
                bytes.release(size);
                return CompletableFuture.failedFuture(new ClosedException("artemis producer is closed"));
            }
            SendLink l = link();
            SendLink.Pending p = new SendLink.Pending(new ArtemisReceipt(topic,
                    message.hasGivenId() ? message.id() : null, WireFormat.userId(wire), ++sends), size, "send");
            l.send(broker.address(topic), wire, p);
            return p.future;
        } catch (PolybusException e) {
            bytes.release(size);
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.unlock();
        }
    }

    /** The live link, replacing a dead one. Called under {@link #lock}. */
    private SendLink link() {
        SendLink l = link;
        if (l != null && !l.isDead()) {
            return l;
        }
        if (l != null) {
            l.failAll(new BrokerUnavailableException("the connection to Artemis at " + broker.errors.address()
                    + " failed before the broker acknowledged the send; it may or may not have been stored"));
            l.close();
            link = null;
        }
        if (System.nanoTime() - retryAfter < 0) {
            throw lastConnectFailure;
        }
        try {
            l = SendLink.open(broker, bytes::release, e -> broker.errors.translate(e, "a send"));
        } catch (ActiveMQException | RuntimeException e) {
            lastConnectFailure = broker.errors.connecting(e);
            retryAfter = System.nanoTime() + broker.settings.recoveryInterval.toNanos();
            throw lastConnectFailure;
        }
        link = l;
        return l;
    }

    @Override
    public void flush() {
        if (!bytes.awaitEmpty(options.closeTimeout())) {
            throw new PolybusTimeoutException("artemis producer: " + bytes.inFlightBytes()
                    + " bytes still unacknowledged after " + options.closeTimeout());
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
            SendLink l = link;
            link = null;
            if (l != null) {
                l.failAll(new ClosedException("artemis producer closed before Artemis acknowledged the message"
                        + " (waited " + options.closeTimeout() + "); it may or may not have been stored"));
                l.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
