package io.polybus.redis.internal;

import java.util.List;

import static io.polybus.redis.internal.StreamFields.bytes;

/**
 * The deliveries of one group requeued with a delay: a sorted set whose scores are the times they are due, in
 * milliseconds by the Redis server's clock (so consumers on machines with different clocks agree). Entering the
 * schedule and leaving it are each one script, atomic on the server: a consumer that crashes in between loses
 * nothing and duplicates nothing, and whichever consumer of the group runs next releases what is due.
 *
 * <p>Streams mode keeps a waiting entry pending in the group, owned by the pseudo-consumer {@link #HOLDER}, with
 * its idle time reset while it waits so that {@code XAUTOCLAIM} leaves it alone; releasing it makes it look idle
 * for the visibility timeout, so the next {@code XAUTOCLAIM} hands it out with its delivery count + 1. List mode
 * keeps the element itself, with its delivery count, and releases it to the head of the queue.
 */
final class DelaySchedule {
    /** The member of a stream group that owns the entries waiting in the schedule. */
    static final byte[] HOLDER = bytes("polybus-delayed");

    private static final String NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) ";
    private static final String NEXT = "local nxt = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES') "
            + "if #nxt == 0 then return {#due, -1} end return {#due, tonumber(nxt[2]) - now}";

    /**
     * KEYS stream, schedule; ARGV group, holder, entry id, delay in ms. Hands a pending entry to the holder and
     * schedules it, unless it is no longer pending (or its group is gone: {@code pcall}, so that an entry that has
     * nothing left to be delivered to never blocks the acker).
     */
    static final byte[] STREAM_REQUEUE = bytes(NOW
            + "local claimed = redis.pcall('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', 0, 'JUSTID') "
            + "if type(claimed) == 'table' and #claimed == 1 then "
            + "redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[3]) return 1 end return 0");

    /**
     * KEYS stream, schedule; ARGV group, holder, visibility timeout in ms. Releases up to 1000 due entries (idle
     * for the visibility timeout: the next XAUTOCLAIM takes them); returns {released, ms to the next due or -1}.
     * Entries of a group that is gone are dropped from the schedule.
     */
    static final byte[] STREAM_RELEASE = bytes(NOW
            + "local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000) "
            + "if #due > 0 then redis.call('ZREM', KEYS[2], unpack(due)) "
            + "local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0} "
            + "for _, id in ipairs(due) do args[#args + 1] = id end "
            + "args[#args + 1] = 'IDLE' args[#args + 1] = ARGV[3] args[#args + 1] = 'JUSTID' "
            + "redis.pcall(unpack(args)) end " + NEXT);

    /**
     * KEYS stream, schedule; ARGV group, holder, horizon in ms. Resets the idle time of the waiting entries due
     * more than the horizon from now, so that XAUTOCLAIM does not take them before they are due; returns how many.
     */
    static final byte[] STREAM_KEEP = bytes(NOW
            + "local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. (now + tonumber(ARGV[3])), '+inf') "
            + "for i = 1, #ids, 1000 do local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0} "
            + "for j = i, math.min(i + 999, #ids) do args[#args + 1] = ids[j] end "
            + "args[#args + 1] = 'IDLE' args[#args + 1] = 0 args[#args + 1] = 'JUSTID' "
            + "redis.pcall(unpack(args)) end return #ids");

    /**
     * KEYS processing list, schedule; ARGV element, element with its delivery count, delay in ms. Moves the
     * element out of the processing list into the schedule, unless it is no longer there.
     */
    static final byte[] LIST_REQUEUE = bytes("if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then " + NOW
            + "redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2]) return 1 end return 0");

    /**
     * KEYS queue, schedule. Moves up to 1000 due elements to the head of the queue, the earliest due first;
     * returns {released, ms to the next due or -1}.
     */
    static final byte[] LIST_RELEASE = bytes(NOW
            + "local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000) "
            + "if #due > 0 then redis.call('ZREM', KEYS[2], unpack(due)) "
            + "for i = #due, 1, -1 do redis.call('RPUSH', KEYS[1], due[i]) end end " + NEXT);

    private DelaySchedule() {
    }

    /** The schedule of stream group {@code group} on the stream at {@code streamKey}. */
    static byte[] streamKey(String streamKey, String group) {
        return bytes(streamKey + ":delayed:" + group);
    }

    /** The schedule of the list-mode queue {@code queueKey} (its one group). */
    static byte[] listKey(String queueKey) {
        return bytes(queueKey + ":delayed");
    }

    /**
     * The outcome of a release script: how many were released and in how many milliseconds the next is due
     * (negative when the schedule is empty).
     */
    record Released(long count, long nextDueMillis) {
        static Released of(Object reply) {
            List<?> r = (List<?>) reply;
            return new Released((Long) r.get(0), (Long) r.get(1));
        }

        /** Milliseconds until the next release should run: when the next is due, and at least every {@code interval}. */
        long nextRunMillis(long intervalMillis) {
            return nextDueMillis < 0 ? intervalMillis : Math.max(0, Math.min(intervalMillis, nextDueMillis));
        }
    }
}
