package io.polybus.redis.internal;

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
import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A producer for every mode: {@code send} encodes the message into its command and queues it, within the
 * in-flight byte bound of the options and at most {@code producer.max-queued} messages (so that a fast sender
 * cannot pile up hundreds of thousands of small messages, and the garbage collector's work with them). One
 * sender thread writes whatever is queued as one pipeline on its own connection and completes the futures from
 * the replies, in order, reading a batch's replies only after writing the next batch. A send is never a round
 * trip of its own, and a future completes normally only with the server's reply for that command. When the
 * connection breaks, the sends written to it fail with a {@link BrokerUnavailableException} (the server may or
 * may not have stored them) and the next batch reconnects.
 */
final class PipelinedProducer implements Producer {
    private static final Logger log = LoggerFactory.getLogger(PipelinedProducer.class);

    /** Turns one message into one command, and reads its reply. */
    interface Writer {
        ProtocolCommand command();

        /** The command's arguments; called on the sending thread, so that encoding runs in parallel. */
        byte[][] args(Message message);

        /** Where the reply says the message went, for the receipt. */
        String position(Object reply);
    }

    /** What a queued send keeps: not the message itself, so that its copy of the payload can go. */
    private record Pending(String topic, String id, int size, byte[][] args, CompletableFuture<Receipt> future) {
    }

    private final Connections connections;
    private final Writer writer;
    private final ProtocolCommand command;
    private final ProducerOptions options;
    private final InFlightLimiter limiter;
    private final Semaphore slots;
    private final int maxQueued;
    private final long maxMessageBytes;
    private final int batchSize;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong enqueued = new AtomicLong();
    private final Object progress = new Object();
    private final Thread sender;
    /** The batch being written and the batch on the wire, waiting for replies. */
    private final Pending[][] batches;
    private PolybusException lastFailure;
    private volatile long completed;
    private volatile boolean closed;
    private volatile boolean stopped;
    private volatile boolean parked;
    private Jedis jedis;

    PipelinedProducer(Connections connections, Writer writer, ProducerOptions options, String name) {
        this.connections = connections;
        this.writer = writer;
        this.command = writer.command();
        this.options = options;
        this.limiter = new InFlightLimiter(options);
        this.maxQueued = connections.settings().maxQueued();
        this.slots = new Semaphore(maxQueued);
        this.maxMessageBytes = connections.settings().maxMessageBytes();
        this.batchSize = connections.settings().batchSize();
        this.batches = new Pending[][]{new Pending[batchSize], new Pending[batchSize]};
        this.jedis = connections.dedicated(Duration.ZERO);
        this.sender = new Thread(this::run, "polybus-redis-producer-" + name);
        this.sender.setDaemon(true);
        this.sender.start();
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("redis producer is closed"));
        }
        int size = message.sizeInBytes();
        if (size > maxMessageBytes) {
            return CompletableFuture.failedFuture(new MessageTooLargeException(message.topic(), size, maxMessageBytes));
        }
        byte[][] args = writer.args(message);
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
        CompletableFuture<Receipt> future = new CompletableFuture<>();
        queue.add(new Pending(message.topic(), message.id(), size, args, future));
        enqueued.incrementAndGet();
        if (stopped) {
            failQueued(new ClosedException("redis producer is closed"));
        } else if (parked) {
            LockSupport.unpark(sender);
        }
        return future;
    }

    /** Takes one of the {@code producer.max-queued} slots, applying the backpressure of the options. */
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
            throw new BufferFullException("producer has " + maxQueued + " messages queued or in flight, its limit ("
                    + RedisSettings.MAX_QUEUED + ")");
        }
        if (closed) {
            slots.release();
            throw new ClosedException("redis producer closed while waiting for room to send");
        }
    }

    /**
     * Writes each batch before reading the replies of the one before it, so that Redis always has the next
     * commands at hand while the previous replies travel back: one batch on the wire, one being written.
     */
    private void run() {
        Pending[] writing = batches[0];
        Pending[] onWire = batches[1];
        int wireCount = 0;
        while (true) {
            int n = 0;
            Pending p;
            while (n < batchSize && (p = queue.poll()) != null) {
                writing[n++] = p;
            }
            if (n == 0 && wireCount == 0) {
                if (closed) {
                    break;
                }
                parked = true;
                if (queue.isEmpty() && !closed) {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                }
                parked = false;
                continue;
            }
            if (n > 0 && !write(writing, n)) {
                fail(onWire, wireCount, lastFailure);
                settle(onWire, wireCount);
                fail(writing, n, lastFailure);
                settle(writing, n);
                wireCount = 0;
                continue;
            }
            if (wireCount > 0) {
                if (!readReplies(onWire, wireCount)) {
                    fail(writing, n, lastFailure);
                    settle(writing, n);
                    n = 0;
                }
                settle(onWire, wireCount);
            }
            Pending[] swap = onWire;
            onWire = writing;
            writing = swap;
            wireCount = n;
        }
        stopped = true;
        failQueued(new ClosedException("redis producer is closed"));
        closeConnection();
    }

    /** Writes and flushes {@code n} commands; false (with {@link #lastFailure} set) when the connection failed. */
    private boolean write(Pending[] batch, int n) {
        try {
            if (jedis == null) {
                jedis = connections.dedicated(Duration.ZERO);
                log.info("producer reconnected to redis at {}", connections.settings().address());
            }
            Connection connection = jedis.getConnection();
            for (int i = 0; i < n; i++) {
                connection.sendCommand(command, batch[i].args);
            }
            connection.getMany(0);
            return true;
        } catch (JedisException | PolybusException e) {
            lastFailure = e instanceof PolybusException pe ? pe : lost((JedisException) e);
            closeConnection();
            return false;
        }
    }

    /** Reads the replies of {@code n} written commands and completes their futures. */
    private boolean readReplies(Pending[] batch, int n) {
        Connection connection = jedis.getConnection();
        for (int i = 0; i < n; i++) {
            Pending p = batch[i];
            Object reply;
            try {
                reply = connection.getUnflushedObject();
            } catch (JedisDataException e) {
                p.future.completeExceptionally(connections.translate(e, "store a message on topic '" + p.topic + "'"));
                continue;
            } catch (JedisException e) {
                lastFailure = lost(e);
                fail(batch, n, lastFailure);
                closeConnection();
                return false;
            }
            try {
                p.future.complete(Receipt.of(p.topic, p.id, writer.position(reply)));
            } catch (RuntimeException e) {
                p.future.completeExceptionally(new PolybusException("unexpected reply from redis at "
                        + connections.settings().address() + ": " + e, e));
            }
        }
        return true;
    }

    private static void fail(Pending[] batch, int n, PolybusException failure) {
        for (int i = 0; i < n; i++) {
            batch[i].future.completeExceptionally(failure);
        }
    }

    /** Returns the bounds held by {@code n} completed sends and tells {@link #flush} about them. */
    private void settle(Pending[] batch, int n) {
        if (n == 0) {
            return;
        }
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            bytes += batch[i].size;
            batch[i] = null;
        }
        limiter.release(bytes);
        slots.release(n);
        completed += n;
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private PolybusException lost(JedisException e) {
        if (e instanceof JedisConnectionException) {
            log.warn("producer lost its connection to redis at {}: {}", connections.settings().address(), e.getMessage());
            return new BrokerUnavailableException("lost the connection to redis at " + connections.settings().address()
                    + " before the reply; the message may or may not have been stored", e);
        }
        return connections.translate(e, "store messages");
    }

    private void closeConnection() {
        Jedis j = jedis;
        jedis = null;
        if (j != null) {
            try {
                j.close();
            } catch (JedisException e) {
                log.debug("closing a broken producer connection: {}", e.toString());
            }
        }
    }

    private void failQueued(PolybusException failure) {
        Pending p;
        while ((p = queue.poll()) != null) {
            limiter.release(p.size);
            slots.release();
            p.future.completeExceptionally(failure);
        }
    }

    @Override
    public void flush() {
        long target = enqueued.get();
        if (!awaitCompleted(target, options.closeTimeout())) {
            throw new PolybusTimeoutException("redis producer did not complete its sends within " + options.closeTimeout());
        }
    }

    private boolean awaitCompleted(long target, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (completed < target && !stopped) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    progress.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(sender);
        if (Thread.currentThread() != sender) {
            try {
                sender.join(Math.max(1, options.closeTimeout().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (sender.isAlive()) {
                log.warn("redis producer: sends still in flight after {}; failing them", options.closeTimeout());
                PolybusTimeoutException timeout = new PolybusTimeoutException("redis at " + connections.settings().address()
                        + " did not answer within the close timeout of " + options.closeTimeout()
                        + "; the message may or may not have been stored");
                for (Pending[] batch : batches) {
                    for (Pending p : batch) {
                        if (p != null) {
                            p.future.completeExceptionally(timeout);
                        }
                    }
                }
                sender.interrupt();
            }
        }
        failQueued(new ClosedException("redis producer closed before the message was sent"));
        limiter.close();
    }
}
