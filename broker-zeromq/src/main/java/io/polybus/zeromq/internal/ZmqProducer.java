package io.polybus.zeromq.internal;

import io.polybus.Backpressure;
import io.polybus.BufferFullException;
import io.polybus.ClosedException;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import org.zeromq.ZMonitor;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An XPUB socket connected to every publisher endpoint. A send hands the message to ZeroMQ and its future completes
 * at once: there is no broker to acknowledge anything, so "sent" means queued for the subscribers connected at that
 * moment; a topic nobody subscribes to, or a subscriber that disconnects, loses the message without a word. The
 * socket does not drop at its high-water mark (XPUB_NODROP): a send to a subscriber that far behind waits, as the
 * producer's {@link Backpressure} says.
 *
 * <p>The socket also reads the subscriptions of its subscribers: creating the producer waits (at most
 * {@code connect-wait}) until each endpoint that accepted the connection sent its subscriptions, and subscribe
 * confirmations are echoed so that a hub knows its new subscription arrived. Thread-safe: the socket is used under
 * a lock; the broker's maintenance thread reads subscriptions between sends.
 */
final class ZmqProducer implements Producer {
    private static final Logger log = LoggerFactory.getLogger(ZmqProducer.class);

    private final ZmqBroker broker;
    private final ProducerOptions options;
    private final ZMQ.Socket socket;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> unreachable = ConcurrentHashMap.newKeySet();
    /** Guarded by {@link #lock}: READY subscriptions seen, one per subscriber connection. */
    private int ready;
    private volatile boolean closed;
    private volatile TopicPrefix last;

    private record TopicPrefix(String topic, byte[] prefix) {
    }

    ZmqProducer(ZmqBroker broker, ProducerOptions options) {
        this.broker = broker;
        this.options = options;
        ZmqSettings settings = broker.settings;
        socket = broker.context.createSocket(SocketType.XPUB);
        socket.setXpubVerbose(true);
        socket.setXpubNoDrop(true);
        socket.setSndHWM(settings.highWaterMark());
        socket.setLinger(settings.linger().toMillis());
        socket.setReconnectIVL(100);
        socket.setEventHook(event -> {
            if (event.getEvent() == ZMonitor.Event.CONNECT_RETRIED) {
                unreachable.add(event.getAddress());
            } else if (event.getEvent() == ZMonitor.Event.CONNECTED) {
                unreachable.remove(event.getAddress());
            }
        }, ZMQ.EVENT_CONNECT_RETRIED | ZMQ.EVENT_CONNECTED);
        try {
            for (String endpoint : settings.publisherEndpoints()) {
                socket.connect(endpoint);
            }
        } catch (ZMQException e) {
            socket.close();
            throw new PolybusException("zeromq producer cannot connect to " + settings.publisherEndpoints() + ": " + e.getMessage(), e);
        }
        awaitSubscribers();
    }

    /** Waits until every endpoint sent its subscriptions, or refused the connection, or {@code connect-wait} passed. */
    private void awaitSubscribers() {
        int endpoints = broker.settings.publisherEndpoints().size();
        long deadline = System.nanoTime() + broker.settings.connectWait().toNanos();
        while (System.nanoTime() < deadline) {
            service();
            lock.lock();
            try {
                if (ready + unreachable.size() >= endpoints) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        log.info("zeromq producer: not every endpoint of {} answered within {} (connect-wait); messages sent before"
                + " a subscriber connects are lost", broker.settings.publisherEndpoints(), broker.settings.connectWait());
    }

    /** Reads the subscriptions that arrived: counts READY, echoes sync requests. */
    void service() {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (closed) {
                return;
            }
            byte[] m;
            while ((m = socket.recv(ZMQ.DONTWAIT)) != null) {
                if (m.length < 2 || m[0] != 1) {
                    continue;
                }
                if (m.length == Frames.READY.length + 1 && Arrays.equals(m, 1, m.length, Frames.READY, 0, Frames.READY.length)) {
                    ready++;
                } else if (Frames.isSync(m, 1)) {
                    socket.send(Arrays.copyOfRange(m, 1, m.length), ZMQ.DONTWAIT);
                }
            }
        } catch (ZMQException e) {
            log.debug("zeromq producer reading subscriptions: {}", e.toString());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("zeromq producer is closed"));
        }
        int size = message.sizeInBytes();
        long limit = broker.settings.maxMessageBytes();
        if (size > limit) {
            return CompletableFuture.failedFuture(new MessageTooLargeException("message of " + size + " bytes for topic '"
                    + message.topic() + "' exceeds the limit of " + limit + " bytes (max-message-bytes)", size, limit, null));
        }
        String topic = message.topic();
        TopicPrefix prefix = last;
        if (prefix == null || !prefix.topic.equals(topic)) {
            if (topic.isEmpty() || topic.indexOf('\0') >= 0 || topic.charAt(0) == Frames.CONTROL) {
                return CompletableFuture.failedFuture(new PolybusException("zeromq topics must be non-empty, without"
                        + " U+0000 and not start with U+007F: '" + topic + "'"));
            }
            prefix = new TopicPrefix(topic, Frames.topicPrefix(topic));
            last = prefix;
        }
        byte[] frame = Frames.encode(prefix.prefix, message);
        try {
            hand(frame, topic);
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.completedFuture(Receipt.of(topic, message.id(), "queued"));
    }

    /** Best effort, for dead letters: hands the message over if there is room at once. */
    boolean offer(byte[] frame) {
        lock.lock();
        try {
            return !closed && socket.send(frame, ZMQ.DONTWAIT);
        } catch (ZMQException e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    static byte[] frame(Message message) {
        return Frames.encode(Frames.topicPrefix(message.topic()), message);
    }

    private void hand(byte[] frame, String topic) {
        long deadline = 0;
        while (true) {
            lock.lock();
            try {
                if (closed) {
                    throw new ClosedException("zeromq producer is closed");
                }
                if (socket.send(frame, ZMQ.DONTWAIT)) {
                    return;
                }
            } catch (ZMQException e) {
                throw new ClosedException("zeromq producer's socket is gone: " + e.getMessage());
            } finally {
                lock.unlock();
            }
            if (options.backpressure() == Backpressure.FAIL) {
                throw full(topic);
            }
            long now = System.nanoTime();
            if (deadline == 0) {
                deadline = now + options.blockTimeout().toNanos();
            } else if (now >= deadline) {
                throw full(topic);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }

    private BufferFullException full(String topic) {
        return new BufferFullException("a zeromq subscriber of topic '" + topic + "' has " + broker.settings.highWaterMark()
                + " messages queued (high-water-mark); it is not reading fast enough");
    }

    @Override
    public void flush() {
        // Every send completed when ZeroMQ took the message: there is no acknowledgement to wait for.
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            broker.unregister(this);
            socket.close();
        } finally {
            lock.unlock();
        }
    }
}
