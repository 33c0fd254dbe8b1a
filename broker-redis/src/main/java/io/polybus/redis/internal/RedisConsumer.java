package io.polybus.redis.internal;

import io.polybus.BrokerUnavailableException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.HandlerShutdown;
import io.polybus.spi.OrderedWorkers;
import io.polybus.spi.PrefetchWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the consumers of every mode share: one reader thread that fetches within the prefetch and runs the
 * handler (on itself at concurrency 1, on per-key lanes above), reconnection with back-off when the
 * connection breaks, and the close sequence (stop reading, let handlers finish, hand back what is unsettled).
 */
abstract class RedisConsumer<A extends AbstractAcknowledgement> implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(RedisConsumer.class);
    private static final long MAX_BACKOFF_MILLIS = 2000;

    final ConsumerOptions options;
    final DeliveryCounters counters;
    final Connections connections;
    final RedisSettings settings;
    /** Unsettled deliveries (acknowledgements compare by identity). */
    final Set<A> handedOut = ConcurrentHashMap.newKeySet();
    final PrefetchWindow permits;
    private final DeliveryHandler handler;
    private final OrderedWorkers workers;
    private final Thread reader;
    private final AtomicBoolean closed = new AtomicBoolean();
    volatile boolean running = true;
    /** Deliveries registered in the current fetch; reader thread only. */
    private int taken;

    RedisConsumer(Connections connections, ConsumerOptions options, DeliveryHandler handler, DeliveryCounters counters,
                  String kind, boolean alwaysOnWorkers) {
        this.connections = connections;
        this.settings = connections.settings();
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.permits = new PrefetchWindow(options.prefetch(), Duration.ofMillis(50));
        String name = "polybus-redis-" + kind + "-" + options.topic() + "-" + options.group();
        this.workers = options.concurrency() > 1 || alwaysOnWorkers ? new OrderedWorkers(name + "-worker", options.concurrency()) : null;
        this.reader = new Thread(this::readLoop, name);
        this.reader.setDaemon(true);
    }

    void startReading() {
        reader.start();
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    /**
     * Fetches and delivers once, using at most {@code room} prefetch permits (the caller holds them): every
     * delivery taken from the broker is registered with {@link #track}, and the permits not used go back.
     */
    abstract void fetch(int room) throws InterruptedException;

    /** Prefetch permits the reader takes before each {@link #fetch}; 0 for a broker that pushes. */
    int fetchSize() {
        return Math.min(options.prefetch(), settings.batchSize());
    }

    /** Registers a delivery taken from the broker in the current {@link #fetch}: it holds one prefetch permit. */
    void track(A ack) {
        handedOut.add(ack);
        taken++;
    }

    /** Drops the reader's connection after a failure; the next {@link #fetch} reconnects. */
    abstract void dropConnection();

    /** Makes a blocked {@link #fetch} return soon. */
    abstract void wakeUp();

    /** After the reader stopped and handlers finished: hands unsettled deliveries back to the broker and cleans up. */
    abstract void finish();

    private void readLoop() {
        long backoff = 0;
        while (running) {
            int room = 0;
            taken = 0;
            try {
                int size = fetchSize();
                room = size == 0 ? 0 : permits.reserve(size);
                fetch(room);
                backoff = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                dropConnection();
                backoff = backoff == 0 ? 50 : Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                if (e instanceof JedisConnectionException || e instanceof BrokerUnavailableException) {
                    log.warn("consumer of group '{}' on topic '{}' lost redis at {}; reconnecting in {} ms: {}",
                            options.group(), options.topic(), settings.address(), backoff, e.getMessage());
                } else {
                    log.error("consumer of group '{}' on topic '{}' failed to read; retrying in {} ms",
                            options.group(), options.topic(), backoff, e);
                }
                pause(backoff);
            } finally {
                permits.release(room - taken);
            }
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


    /** Hands a delivery to the handler; its acknowledgement is already in {@link #handedOut}. */
    void deliver(Message message, int attempt, A ack) {
        Delivery delivery = new Delivery(message, attempt, ack);
        if (workers == null) {
            handle(delivery);
        } else {
            byte[] key = message.unsafeKey();
            workers.execute(key == null ? message.id().hashCode() : Arrays.hashCode(key), () -> handle(delivery));
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

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        if (Thread.currentThread() != reader) {
            wakeUp();
        }
        HandlerShutdown.await(reader, workers, options);
        finish();
    }
}
