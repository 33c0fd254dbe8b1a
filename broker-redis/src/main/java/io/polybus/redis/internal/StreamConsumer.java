package io.polybus.redis.internal;

import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.StartPosition;
import io.polybus.spi.DeliveryCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.polybus.redis.internal.StreamFields.bytes;

/**
 * A member of a stream consumer group. The reader reads new entries with {@code XREADGROUP} (blocking on its
 * own connection) and, every quarter of the visibility timeout or when woken by a requeue, takes over idle
 * entries with {@code XAUTOCLAIM}, reading their attempt from the delivery count of the pending entries list.
 * An acker thread with its own connection batches {@code XACK}s, hands requeued entries back
 * ({@code XCLAIM ... IDLE} so that the next {@code XAUTOCLAIM} takes them after the requeue delay), and keeps
 * the unsettled entries of a live consumer from looking idle, however long its handlers take. It also keeps the
 * group's {@link DelaySchedule}: it enters the entries requeued with a delay, keeps the waiting ones from looking
 * idle, and releases them when due (when the earliest it knows of is due, and at least every claim interval, for
 * those other members scheduled), waking the reader to claim them.
 */
final class StreamConsumer extends BlockingReaderConsumer<StreamAcknowledgement> {
    private static final Logger log = LoggerFactory.getLogger(StreamConsumer.class);
    private static final byte[] GROUP = bytes("GROUP");
    private static final byte[] COUNT = bytes("COUNT");
    private static final byte[] BLOCK = bytes("BLOCK");
    private static final byte[] STREAMS = bytes("STREAMS");
    private static final byte[] NEW = bytes(">");
    private static final byte[] IDLE = bytes("IDLE");
    private static final byte[] JUSTID = bytes("JUSTID");
    private static final byte[] START = bytes("0-0");
    private static final String RELEASE_SCRIPT = "if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) == 0 then "
            + "return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end return -1";

    final byte[] streamKey;
    final byte[] groupName;
    final byte[] consumerName;
    private final long visibilityMillis;
    private final long claimIntervalNanos;
    private final long refreshIdleMillis;
    private final byte[] requeueIdle;
    private final ConcurrentLinkedQueue<byte[]> toAck = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<byte[]> toRequeue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<DelayedRequeue> toDelay = new ConcurrentLinkedQueue<>();
    private final byte[] scheduleKey;
    private final byte[] visibility;
    private final byte[] keepHorizon;
    private final Thread acker;
    private volatile boolean ackerRunning = true;
    private volatile boolean ackerParked;
    private volatile boolean claimNow = true;
    private long nextClaim;
    private long nextPrune;
    private final long pruneIdleMillis;
    private final long pruneIntervalNanos;
    private boolean continueClaim;
    private byte[] claimCursor = START;

    StreamConsumer(Connections connections, ConsumerOptions options, DeliveryHandler handler, DeliveryCounters counters,
                   String consumerName) {
        super(connections, options, handler, counters, "streams");
        this.streamKey = bytes(settings.key(options.topic()));
        this.groupName = bytes(options.group());
        this.consumerName = bytes(consumerName);
        this.visibilityMillis = settings.visibilityTimeout().toMillis();
        this.claimIntervalNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(10, Math.min(5000, visibilityMillis / 4)));
        this.refreshIdleMillis = Math.max(1, visibilityMillis / 2);
        this.pruneIdleMillis = 10 * Math.max(visibilityMillis, settings.pollTimeout().toMillis());
        this.pruneIntervalNanos = TimeUnit.MILLISECONDS.toNanos(pruneIdleMillis);
        this.requeueIdle = bytes(Long.toString(visibilityMillis - settings.requeueDelay().toMillis()));
        this.scheduleKey = DelaySchedule.streamKey(settings.key(options.topic()), options.group());
        this.visibility = bytes(Long.toString(visibilityMillis));
        // Kept every claim interval (at most a quarter of the visibility timeout), an entry due within half of it
        // needs no more keeping: it cannot look idle for the visibility timeout before it is due.
        this.keepHorizon = bytes(Long.toString(visibilityMillis / 2));
        this.acker = new Thread(this::ackLoop, "polybus-redis-acker-" + options.topic() + "-" + options.group());
        this.acker.setDaemon(true);
    }

    /**
     * Creates the group (and the stream) when needed, keeps every entry of its schedule that is not due yet from
     * being claimed (the group may have had no live member for a while), then starts reading.
     */
    void start() {
        createGroup(options.startFrom() == StartPosition.EARLIEST ? "0" : "$");
        connections.withPooled("keep the delayed requeues of group '" + options.group() + "'", jedis ->
                jedis.sendCommand(Command.EVAL, DelaySchedule.STREAM_KEEP, bytes("2"), streamKey, scheduleKey,
                        groupName, DelaySchedule.HOLDER, bytes("0")));
        readerConnection = connect();
        acker.start();
        startReading();
    }

    private void createGroup(String from) {
        connections.withPooled("create group '" + options.group() + "' on topic '" + options.topic() + "'", jedis -> {
            try {
                jedis.sendCommand(Command.XGROUP, bytes("CREATE"), streamKey, groupName, bytes(from), bytes("MKSTREAM"));
            } catch (JedisDataException e) {
                if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                    throw e;
                }
            }
            return null;
        });
    }

    @Override
    void fetch(int room) {
        if (readerConnection == null) {
            readerConnection = connect();
            claimNow = true;
            log.info("consumer of group '{}' on topic '{}' reconnected to redis at {}", options.group(), options.topic(),
                    settings.address());
        }
        if (room == 0) {
            return;
        }
        try {
            read(room);
        } catch (JedisDataException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("NOGROUP")) {
                log.warn("group '{}' on topic '{}' vanished from redis at {} (server restarted without persistence, or "
                        + "deleted); creating it again from the start of the stream", options.group(), options.topic(),
                        settings.address());
                createGroup("0");
                return;
            }
            throw e;
        }
    }

    private void read(int room) {
        boolean woken = claimNow;
        if (woken || continueClaim || System.nanoTime() - nextClaim >= 0) {
            if (woken) {
                claimNow = false;
                claimCursor = START;
            }
            int claimed = claim(room);
            continueClaim = claimCursor != START;
            if (!continueClaim) {
                nextClaim = System.nanoTime() + claimIntervalNanos;
                if (System.nanoTime() - nextPrune >= 0) {
                    pruneVanishedMembers();
                    nextPrune = System.nanoTime() + pruneIntervalNanos;
                }
            }
            if (claimed > 0 || continueClaim) {
                return;
            }
        }
        Object reply = readerConnection.sendCommand(Command.XREADGROUP, GROUP, groupName, consumerName, COUNT,
                bytes(Integer.toString(room)), BLOCK, bytes(Long.toString(settings.pollTimeout().toMillis())), STREAMS,
                streamKey, NEW);
        if (reply != null) {
            deliverRead((List<?>) reply);
        }
    }

    /**
     * Removes members of the group that hold nothing and have not been heard of for ten visibility timeouts
     * (consumers that crashed: closing ones remove themselves); a live member reads at least every poll timeout.
     */
    private void pruneVanishedMembers() {
        List<?> members = (List<?>) readerConnection.sendCommand(Command.XINFO, bytes("CONSUMERS"), streamKey, groupName);
        for (Object m : members) {
            List<?> fields = (List<?>) m;
            byte[] name = null;
            long pending = -1;
            long idle = -1;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String field = new String((byte[]) fields.get(i), StandardCharsets.US_ASCII);
                Object value = fields.get(i + 1);
                if (field.equals("name")) {
                    name = (byte[]) value;
                } else if (field.equals("pending")) {
                    pending = (Long) value;
                } else if (field.equals("idle")) {
                    idle = (Long) value;
                }
            }
            if (name != null && pending == 0 && idle > pruneIdleMillis && !Arrays.equals(name, consumerName)) {
                Object removed = readerConnection.sendCommand(Command.EVAL, bytes(RELEASE_SCRIPT), bytes("1"), streamKey,
                        groupName, name);
                if (Long.valueOf(-1).equals(removed)) {
                    continue;
                }
                log.info("removed member {} of group '{}' on topic '{}': idle for {} ms with nothing pending",
                        new String(name, StandardCharsets.UTF_8), options.group(), options.topic(), idle);
            }
        }
    }

    private void deliverRead(List<?> streams) {
        for (Object stream : streams) {
            for (Object entry : (List<?>) ((List<?>) stream).get(1)) {
                List<?> e = (List<?>) entry;
                byte[] id = (byte[]) e.get(0);
                if (e.get(1) == null) {
                    continue;
                }
                offer(id, StreamFields.decode(options.topic(), id, (List<?>) e.get(1)), 1);
            }
        }
    }

    private void offer(byte[] id, Message message, int attempt) {
        StreamAcknowledgement ack = new StreamAcknowledgement(this, id, message, attempt);
        track(ack);
        if (!running) {
            return;
        }
        if (attempt > options.maxDeliveries()) {
            ack.requeue("delivered " + (attempt - 1) + " times without an outcome (its consumers stopped or crashed)");
            return;
        }
        deliver(message, attempt, ack);
    }

    /**
     * Takes over entries idle for the visibility timeout; their attempt is the delivery count after the claim, read
     * from this consumer's part of the pending entries list between the first and last claimed id.
     */
    private int claim(int room) {
        List<?> reply = (List<?>) readerConnection.sendCommand(Command.XAUTOCLAIM, streamKey, groupName, consumerName,
                bytes(Long.toString(visibilityMillis)), claimCursor, COUNT, bytes(Integer.toString(room)));
        byte[] next = (byte[]) reply.get(0);
        claimCursor = new String(next, StandardCharsets.US_ASCII).equals("0-0") ? START : next;
        List<?> entries = (List<?>) reply.get(1);
        List<List<?>> live = new ArrayList<>();
        List<byte[]> gone = new ArrayList<>();
        for (Object entry : entries) {
            List<?> e = (List<?>) entry;
            if (e.get(1) == null) {
                gone.add((byte[]) e.get(0));
            } else {
                live.add(e);
            }
        }
        if (!gone.isEmpty()) {
            toAck.addAll(gone);
        }
        if (live.isEmpty()) {
            return 0;
        }
        Map<String, Integer> counts = deliveryCounts((byte[]) live.get(0).get(0), (byte[]) live.get(live.size() - 1).get(0),
                live.size() + handedOut.size());
        for (List<?> e : live) {
            byte[] id = (byte[]) e.get(0);
            int attempt = counts.getOrDefault(new String(id, StandardCharsets.US_ASCII), 1);
            offer(id, StreamFields.decode(options.topic(), id, (List<?>) e.get(1)), attempt);
        }
        return live.size();
    }

    private Map<String, Integer> deliveryCounts(byte[] first, byte[] last, int count) {
        List<?> pending = (List<?>) readerConnection.sendCommand(Command.XPENDING, streamKey, groupName, first, last,
                bytes(Integer.toString(count + 16)), consumerName);
        Map<String, Integer> counts = new HashMap<>();
        for (Object p : pending) {
            List<?> row = (List<?>) p;
            counts.put(new String((byte[]) row.get(0), StandardCharsets.US_ASCII), ((Long) row.get(3)).intValue());
        }
        return counts;
    }

    /** Resets (in {@code pipeline}) the idle time of unsettled deliveries that have been held for half the visibility timeout. */
    private void refreshHeld(Pipeline pipeline) {
        if (handedOut.isEmpty()) {
            return;
        }
        List<byte[]> args = new ArrayList<>();
        args.add(streamKey);
        args.add(groupName);
        args.add(consumerName);
        args.add(bytes(Long.toString(refreshIdleMillis)));
        for (StreamAcknowledgement ack : handedOut) {
            if (!ack.isSettled()) {
                args.add(ack.id);
            }
        }
        if (args.size() == 4) {
            return;
        }
        args.add(JUSTID);
        pipeline.sendCommand(Command.XCLAIM, args.toArray(new byte[0][]));
    }

    void settled(StreamAcknowledgement ack) {
        handedOut.remove(ack);
        permits.release();
    }

    void queueAck(byte[] id) {
        toAck.add(id);
        wakeAcker();
    }

    void queueRequeue(byte[] id) {
        toRequeue.add(id);
        wakeAcker();
    }

    void queueRequeue(byte[] id, Duration delay) {
        toDelay.add(new DelayedRequeue(id, delay.toMillis()));
        wakeAcker();
    }

    private void wakeAcker() {
        if (ackerParked) {
            LockSupport.unpark(acker);
        }
    }

    private void ackLoop() {
        Jedis jedis = null;
        List<byte[]> acks = new ArrayList<>();
        List<byte[]> requeues = new ArrayList<>();
        List<DelayedRequeue> delays = new ArrayList<>();
        long backoff = 0;
        long nextRefresh = System.nanoTime() + claimIntervalNanos;
        long nextRelease = System.nanoTime();
        while (true) {
            drain(toAck, acks);
            drain(toRequeue, requeues);
            DelayedRequeue delayed;
            while ((delayed = toDelay.poll()) != null) {
                delays.add(delayed);
            }
            long now = System.nanoTime();
            boolean refresh = now - nextRefresh >= 0 && ackerRunning;
            boolean release = now - nextRelease >= 0 && ackerRunning;
            if (acks.isEmpty() && requeues.isEmpty() && delays.isEmpty() && !refresh && !release) {
                if (!ackerRunning) {
                    break;
                }
                ackerParked = true;
                if (toAck.isEmpty() && toRequeue.isEmpty() && toDelay.isEmpty() && ackerRunning) {
                    LockSupport.parkNanos(this, Math.min(TimeUnit.MILLISECONDS.toNanos(100), nextRelease - now));
                }
                ackerParked = false;
                continue;
            }
            try {
                if (jedis == null) {
                    jedis = connections.dedicated(Duration.ZERO);
                }
                Pipeline p = jedis.pipelined();
                if (!acks.isEmpty()) {
                    p.sendCommand(Command.XACK, args(acks, streamKey, groupName));
                }
                if (!requeues.isEmpty()) {
                    byte[][] claim = args(requeues, streamKey, groupName, consumerName, bytes("0"));
                    byte[][] withIdle = Arrays.copyOf(claim, claim.length + 3);
                    withIdle[claim.length] = IDLE;
                    withIdle[claim.length + 1] = requeueIdle;
                    withIdle[claim.length + 2] = JUSTID;
                    p.sendCommand(Command.XCLAIM, withIdle);
                }
                List<Response<Object>> scheduled = new ArrayList<>(delays.size());
                for (DelayedRequeue d : delays) {
                    scheduled.add(p.sendCommand(Command.EVAL, DelaySchedule.STREAM_REQUEUE, bytes("2"), streamKey,
                            scheduleKey, groupName, DelaySchedule.HOLDER, d.id(), bytes(Long.toString(d.delayMillis()))));
                }
                if (refresh) {
                    refreshHeld(p);
                    p.sendCommand(Command.EVAL, DelaySchedule.STREAM_KEEP, bytes("2"), streamKey, scheduleKey, groupName,
                            DelaySchedule.HOLDER, keepHorizon);
                }
                Response<Object> released = release ? p.sendCommand(Command.EVAL, DelaySchedule.STREAM_RELEASE,
                        bytes("2"), streamKey, scheduleKey, groupName, DelaySchedule.HOLDER, visibility) : null;
                p.sync();
                scheduled.forEach(Response::get);
                if (refresh) {
                    nextRefresh = System.nanoTime() + claimIntervalNanos;
                }
                boolean claim = !requeues.isEmpty() && settings.requeueDelay().isZero();
                if (released != null) {
                    DelaySchedule.Released r = DelaySchedule.Released.of(released.get());
                    nextRelease = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(
                            r.nextRunMillis(TimeUnit.NANOSECONDS.toMillis(claimIntervalNanos)));
                    claim |= r.count() > 0;
                } else {
                    for (DelayedRequeue d : delays) {
                        long due = now + TimeUnit.MILLISECONDS.toNanos(d.delayMillis());
                        nextRelease = due - nextRelease < 0 ? due : nextRelease;
                    }
                }
                if (claim) {
                    claimNow = true;
                    wakeUp();
                }
                acks.clear();
                requeues.clear();
                delays.clear();
                backoff = 0;
            } catch (RuntimeException e) {
                if (jedis != null) {
                    try {
                        jedis.close();
                    } catch (JedisException closing) {
                        log.debug("closing a broken acker connection: {}", closing.toString());
                    }
                    jedis = null;
                }
                if (!ackerRunning) {
                    log.warn("consumer of group '{}' on topic '{}' closed with {} acks and {} delayed requeues not "
                            + "confirmed by redis at {}; those messages will be delivered again: {}", options.group(),
                            options.topic(), acks.size(), delays.size(), settings.address(), e.getMessage());
                    break;
                }
                backoff = backoff == 0 ? 50 : Math.min(2000, backoff * 2);
                log.warn("acks of group '{}' on topic '{}' failed; retrying in {} ms: {}", options.group(), options.topic(),
                        backoff, e.getMessage());
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(backoff));
            }
        }
        if (jedis != null) {
            jedis.close();
        }
    }

    private static void drain(ConcurrentLinkedQueue<byte[]> queue, List<byte[]> into) {
        byte[] id;
        while ((id = queue.poll()) != null) {
            into.add(id);
        }
    }

    /** An entry to requeue with a delay. */
    private record DelayedRequeue(byte[] id, long delayMillis) {
    }

    private static byte[][] args(List<byte[]> ids, byte[]... head) {
        byte[][] args = new byte[head.length + ids.size()][];
        System.arraycopy(head, 0, args, 0, head.length);
        for (int i = 0; i < ids.size(); i++) {
            args[head.length + i] = ids.get(i);
        }
        return args;
    }

    @Override
    void finish() {
        for (StreamAcknowledgement ack : handedOut) {
            if (ack.abandon()) {
                toRequeue.add(ack.id);
            }
        }
        handedOut.clear();
        ackerRunning = false;
        LockSupport.unpark(acker);
        try {
            acker.join(Math.max(1, settings.socketTimeout().toMillis() * 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropConnection();
        if (options.ephemeral()) {
            try {
                connections.withPooled("delete the group", jedis -> {
                    jedis.del(scheduleKey);
                    return jedis.sendCommand(Command.XGROUP, bytes("DESTROY"), streamKey, groupName);
                });
            } catch (RuntimeException e) {
                log.warn("could not delete the ephemeral group '{}' of topic '{}' at {}: {}", options.group(),
                        options.topic(), settings.address(), e.toString());
            }
            return;
        }
        try {
            connections.withPooled("leave the group", jedis -> jedis.sendCommand(Command.EVAL, bytes(RELEASE_SCRIPT),
                    bytes("1"), streamKey, groupName, consumerName));
        } catch (RuntimeException e) {
            log.debug("could not remove consumer {} from group '{}': {}", new String(consumerName, StandardCharsets.UTF_8),
                    options.group(), e.toString());
        }
    }
}
