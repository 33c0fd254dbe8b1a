package io.polybus.redis.internal;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A producer for every mode: {@code send} queues the message (within the in-flight bound), and one sender
 * thread writes whatever is queued as one pipeline on its own connection, then completes the futures from
 * the replies, in order. A send is never a round trip of its own, and a future completes normally only with
 * the server's reply for that command. When the connection breaks, the batch in flight fails with a
 * {@link BrokerUnavailableException} (the server may or may not have stored it) and the next batch
 * reconnects.
 */
final class PipelinedProducer implements Producer {
    private static final Logger log = LoggerFactory.getLogger(PipelinedProducer.class);

    /** Writes one message as one command, and reads its reply. */
    interface Writer {
        Response<Object> write(Pipeline pipeline, Message message);

        /** Where the reply says the message went, for the receipt. */
        String position(Object reply);
    }

    private record Pending(Message message, int size, CompletableFuture<Receipt> future) {
    }

    private final Connections connections;
    private final Writer writer;
    private final ProducerOptions options;
    private final InFlightLimiter limiter;
    private final long maxMessageBytes;
    private final int batchSize;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong enqueued = new AtomicLong();
    private final Object progress = new Object();
    private final Thread sender;
    private final Pending[] batch;
    private volatile long completed;
    private volatile boolean closed;
    private volatile boolean stopped;
    private volatile boolean parked;
    private Jedis jedis;

    PipelinedProducer(Connections connections, Writer writer, ProducerOptions options, String name) {
        this.connections = connections;
        this.writer = writer;
        this.options = options;
        this.limiter = new InFlightLimiter(options);
        this.maxMessageBytes = connections.settings().maxMessageBytes();
        this.batchSize = connections.settings().batchSize();
        this.batch = new Pending[batchSize];
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
        try {
            limiter.acquire(size);
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Receipt> future = new CompletableFuture<>();
        queue.add(new Pending(message, size, future));
        enqueued.incrementAndGet();
        if (stopped) {
            failQueued(new ClosedException("redis producer is closed"));
        } else if (parked) {
            LockSupport.unpark(sender);
        }
        return future;
    }

    private void run() {
        @SuppressWarnings("unchecked")
        Response<Object>[] replies = new Response[batchSize];
        while (true) {
            int n = 0;
            Pending p;
            while (n < batchSize && (p = queue.poll()) != null) {
                batch[n++] = p;
            }
            if (n == 0) {
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
            write(batch, replies, n);
            for (int i = 0; i < n; i++) {
                limiter.release(batch[i].size);
                batch[i] = null;
                replies[i] = null;
            }
            completed += n;
            synchronized (progress) {
                progress.notifyAll();
            }
        }
        stopped = true;
        failQueued(new ClosedException("redis producer is closed"));
        closeConnection();
    }

    private void write(Pending[] batch, Response<Object>[] replies, int n) {
        try {
            if (jedis == null) {
                jedis = connections.dedicated(Duration.ZERO);
                log.info("producer reconnected to redis at {}", connections.settings().address());
            }
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < n; i++) {
                replies[i] = writer.write(pipeline, batch[i].message);
            }
            pipeline.sync();
        } catch (JedisException | PolybusException e) {
            PolybusException failure = e instanceof PolybusException pe ? pe : lost((JedisException) e);
            for (int i = 0; i < n; i++) {
                batch[i].future.completeExceptionally(failure);
            }
            closeConnection();
            return;
        }
        for (int i = 0; i < n; i++) {
            Pending p = batch[i];
            try {
                Object reply = replies[i].get();
                p.future.complete(new Receipt(p.message.topic(), p.message.id(), writer.position(reply)));
            } catch (JedisDataException e) {
                p.future.completeExceptionally(connections.translate(e, "store a message on topic '" + p.message.topic() + "'"));
            } catch (RuntimeException e) {
                p.future.completeExceptionally(new PolybusException("unexpected reply from redis at "
                        + connections.settings().address() + ": " + e, e));
            }
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
                for (int i = 0; i < batch.length; i++) {
                    Pending p = batch[i];
                    if (p != null) {
                        p.future.completeExceptionally(timeout);
                    }
                }
                sender.interrupt();
            }
        }
        failQueued(new ClosedException("redis producer closed before the message was sent"));
        limiter.close();
    }
}
