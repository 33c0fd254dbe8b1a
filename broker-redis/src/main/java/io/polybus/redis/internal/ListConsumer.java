package io.polybus.redis.internal;

import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.spi.DeliveryCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.Response;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static io.polybus.redis.internal.StreamFields.bytes;

/**
 * A consumer of a list-mode topic, a reliable queue: entries move atomically ({@code LMOVE}, or
 * {@code BLMOVE} when the queue is empty) from the topic's list to this consumer's processing list, and
 * leave it on ACK ({@code LREM}), on REQUEUE (back to the head of the queue with one more delivery) or as a
 * dead letter. The consumer announces itself in the topic's consumer set with a heartbeat key that expires
 * after the visibility timeout; a consumer finding a member whose heartbeat expired moves that member's
 * processing list back to the queue. Every topic has one group: all consumers share its entries. Elements
 * requeued with a delay wait in the topic's {@link DelaySchedule}; the keeper releases them to the head of the
 * queue when the earliest this consumer knows of is due, and at least every third of the visibility timeout (for
 * those other consumers scheduled).
 */
final class ListConsumer extends BlockingReaderConsumer<ListAcknowledgement> {
    private static final Logger log = LoggerFactory.getLogger(ListConsumer.class);
    private static final byte[] RIGHT = bytes("RIGHT");
    private static final byte[] LEFT = bytes("LEFT");
    /** Moves one element out of a processing list onto a list, replaced by ARGV[2], pushed with ARGV[3]. */
    static final byte[] MOVE_SCRIPT = bytes("if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then "
            + "redis.call(ARGV[3], KEYS[2], ARGV[2]) return 1 end return 0");

    final byte[] queueKey;
    final byte[] processingKey;
    final byte[] scheduleKey;
    private final String queueName;
    private final String member;
    private final byte[] registryKey;
    private final ScheduledExecutorService keeper;
    private final long keepMillis;
    /** The next run of {@link #release}, if one is scheduled; guarded by {@code this}. */
    private ScheduledFuture<?> nextRelease;

    ListConsumer(Connections connections, ConsumerOptions options, DeliveryHandler handler, DeliveryCounters counters,
                 String member) {
        super(connections, options, handler, counters, "list");
        this.queueName = settings.key(options.topic());
        this.member = member;
        this.queueKey = bytes(queueName);
        this.processingKey = bytes(queueName + ":processing:" + member);
        this.registryKey = bytes(queueName + ":consumers");
        this.scheduleKey = DelaySchedule.listKey(queueName);
        this.keepMillis = Math.max(10, settings.visibilityTimeout().toMillis() / 3);
        this.keeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-redis-list-keeper-" + options.topic());
            t.setDaemon(true);
            return t;
        });
    }

    private byte[] heartbeatKey(String of) {
        return bytes(queueName + ":consumer:" + of);
    }

    private byte[] processingKey(String of) {
        return bytes(queueName + ":processing:" + of);
    }

    /** Joins the topic's consumers, then starts reading and the heartbeat. */
    void start() {
        connections.withPooled("join the consumers of topic '" + options.topic() + "'", jedis -> {
            beat(jedis);
            return null;
        });
        readerConnection = connect();
        keeper.scheduleWithFixedDelay(this::keep, 0, keepMillis, TimeUnit.MILLISECONDS);
        releaseIn(0);
        startReading();
    }

    /** Makes the keeper release what is due in the schedule after {@code millis}, unless it will earlier. */
    synchronized void releaseIn(long millis) {
        if (nextRelease != null) {
            if (nextRelease.getDelay(TimeUnit.MILLISECONDS) <= millis) {
                return;
            }
            nextRelease.cancel(false);
        }
        try {
            nextRelease = keeper.schedule(this::release, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closing: the schedule stays in Redis, for the topic's other consumers and the next one.
            nextRelease = null;
        }
    }

    /** Moves the due elements of the schedule to the head of the queue, and plans the next run. */
    private void release() {
        synchronized (this) {
            nextRelease = null;
        }
        if (!running) {
            return;
        }
        long next = keepMillis;
        try {
            DelaySchedule.Released r = DelaySchedule.Released.of(connections.withPooled("release the delayed "
                    + "requeues of topic '" + options.topic() + "'", jedis -> jedis.sendCommand(Command.EVAL,
                    DelaySchedule.LIST_RELEASE, bytes("2"), queueKey, scheduleKey)));
            next = r.nextRunMillis(keepMillis);
        } catch (RuntimeException e) {
            log.warn("could not release the delayed requeues of topic '{}' from redis at {}; retrying: {}",
                    options.topic(), settings.address(), e.getMessage());
        }
        releaseIn(next);
    }

    /** Heartbeat first, membership second: a member is never seen without its heartbeat. */
    private void beat(Jedis jedis) {
        jedis.sendCommand(Command.SET, heartbeatKey(member), bytes("1"), bytes("PX"),
                bytes(Long.toString(settings.visibilityTimeout().toMillis())));
        jedis.sadd(registryKey, bytes(member));
    }

    /** Heartbeat, then recovery of the processing lists of consumers whose heartbeat expired. */
    private void keep() {
        if (!running) {
            return;
        }
        try {
            connections.withPooled("keep the consumers of topic '" + options.topic() + "'", jedis -> {
                beat(jedis);
                for (byte[] other : jedis.smembers(registryKey)) {
                    String name = new String(other, StandardCharsets.UTF_8);
                    if (!name.equals(member) && !jedis.exists(heartbeatKey(name))) {
                        int moved = moveBack(jedis, processingKey(name));
                        if (jedis.llen(processingKey(name)) == 0) {
                            jedis.srem(registryKey, other);
                        }
                        if (moved > 0) {
                            log.info("recovered {} deliveries of vanished consumer {} of topic '{}'", moved, name,
                                    options.topic());
                        }
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("heartbeat of a consumer of topic '{}' failed: {}", options.topic(), e.getMessage());
        }
    }

    /** Moves every element of {@code processing} back to the queue, counting the delivery it had. */
    private int moveBack(Jedis jedis, byte[] processing) {
        int moved = 0;
        for (byte[] element : jedis.lrange(processing, 0, -1)) {
            byte[] next;
            try {
                Blob.Decoded d = Blob.decode(options.topic(), element);
                next = Blob.encode(d.message(), d.deliveries() + 1);
            } catch (RuntimeException e) {
                next = element;
            }
            Object r = jedis.sendCommand(Command.EVAL, MOVE_SCRIPT, bytes("2"), processing, queueKey, element, next,
                    bytes("RPUSH"));
            if (Long.valueOf(1).equals(r)) {
                moved++;
            }
        }
        return moved;
    }

    @Override
    void fetch(int room) {
        if (readerConnection == null) {
            readerConnection = connect();
            log.info("consumer of topic '{}' reconnected to redis at {}", options.topic(), settings.address());
        }
        if (room == 0) {
            return;
        }
        List<byte[]> got = new ArrayList<>(room);
        Pipeline p = readerConnection.pipelined();
        List<Response<Object>> replies = new ArrayList<>(room);
        for (int i = 0; i < room; i++) {
            replies.add(p.sendCommand(Command.LMOVE, queueKey, processingKey, RIGHT, LEFT));
        }
        p.sync();
        for (Response<Object> r : replies) {
            if (r.get() != null) {
                got.add((byte[]) r.get());
            }
        }
        if (got.isEmpty()) {
            double seconds = settings.pollTimeout().toMillis() / 1000.0;
            Object one = readerConnection.sendCommand(Command.BLMOVE, queueKey, processingKey, RIGHT, LEFT,
                    bytes(Double.toString(seconds)));
            if (one != null) {
                got.add((byte[]) one);
            }
        }
        for (byte[] element : got) {
            offer(element);
        }
    }

    /** Hands out one element, or drops it when it is not a message. */
    private void offer(byte[] element) {
        Blob.Decoded d;
        try {
            d = Blob.decode(options.topic(), element);
        } catch (RuntimeException e) {
            log.error("topic '{}' holds an element that is not a Polybus message; dropping it: {}", options.topic(),
                    e.toString());
            connections.withPooled("drop a foreign element", jedis -> jedis.lrem(processingKey, 1, element));
            return;
        }
        int attempt = d.deliveries() + 1;
        ListAcknowledgement ack = new ListAcknowledgement(this, element, d.message(), attempt);
        track(ack);
        if (!running) {
            return;
        }
        if (attempt > options.maxDeliveries()) {
            ack.requeue("delivered " + (attempt - 1) + " times without an outcome (its consumers stopped or crashed)");
            return;
        }
        deliver(d.message(), attempt, ack);
    }

    void settled(ListAcknowledgement ack) {
        handedOut.remove(ack);
        permits.release();
    }

    @Override
    void finish() {
        keeper.shutdownNow();
        try {
            keeper.awaitTermination(settings.socketTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        handedOut.forEach(ListAcknowledgement::abandon);
        handedOut.clear();
        dropConnection();
        try {
            connections.withPooled("hand back the deliveries of a closing consumer", jedis -> {
                moveBack(jedis, processingKey);
                if (jedis.llen(processingKey) == 0) {
                    jedis.del(heartbeatKey(member));
                    jedis.srem(registryKey, bytes(member));
                }
                return null;
            });
        } catch (RuntimeException e) {
            log.warn("consumer of topic '{}' could not hand back its deliveries to redis at {}; they return after the "
                    + "visibility timeout: {}", options.topic(), settings.address(), e.getMessage());
        }
    }
}
