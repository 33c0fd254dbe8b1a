package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.Channel;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The queues where a group's delayed requeues wait, without a plugin: one queue per delay tier,
 * {@code <group queue>.delay-<ms>ms}, whose {@code x-message-ttl} is the tier and whose expired messages RabbitMQ
 * dead-letters through the default exchange back into the group's queue. All messages of one such queue wait
 * equally long, so the one at its head is always the next due (RabbitMQ expires messages only at the head).
 *
 * <p>Delays are rounded up to a tier of two significant digits in milliseconds (1234 ms waits 1300 ms): never
 * earlier than asked, at most 10 % later, and at most 90 queues per decade. A queue unused for its tier plus
 * {@code 2 ×} {@link #LEASE_REFRESH} is deleted by RabbitMQ ({@code x-expires}); publishing does not count as use,
 * so a queue is declared again before a publish once its lease is older than {@link #LEASE_REFRESH}: a message
 * always expires before its queue does.
 *
 * <p>Not thread-safe: the owner calls it under the lock of the channel it publishes on.
 */
final class DelayQueues {
    /**
     * The longest tier: RabbitMQ takes TTLs up to 2^32 - 1 ms, and the lease adds to it. A longer delay waits
     * in this tier and carries its due time ({@link WireFormat#DUE_HEADER}), to wait again for the rest.
     */
    static final long MAX_TIER_MILLIS = 4_000_000_000L;
    static final Duration LEASE_REFRESH = Duration.ofMinutes(1);

    private final String groupQueue;
    private final boolean durable;
    private final Map<Long, Long> declaredAtNanos = new HashMap<>();

    DelayQueues(String groupQueue, boolean durable) {
        this.groupQueue = groupQueue;
        this.durable = durable;
    }

    /** The tier a wait of {@code millis} (positive) is kept in: rounded up to two significant digits, capped. */
    static long tierMillis(long millis) {
        if (millis >= MAX_TIER_MILLIS) {
            return MAX_TIER_MILLIS;
        }
        long step = 1;
        while (millis / step >= 100) {
            step *= 10;
        }
        return Math.max(1, (millis + step - 1) / step * step);
    }

    static String name(String groupQueue, long tierMillis) {
        return groupQueue + ".delay-" + tierMillis + "ms";
    }

    /** Declares the tier's queue unless its lease is fresh; returns its name, the routing key to publish with. */
    String declare(Channel channel, long tierMillis) throws IOException {
        String name = name(groupQueue, tierMillis);
        long now = System.nanoTime();
        Long at = declaredAtNanos.get(tierMillis);
        if (at == null || now - at > LEASE_REFRESH.toNanos()) {
            Map<String, Object> args = new HashMap<>();
            args.put("x-queue-type", "classic");
            args.put("x-message-ttl", tierMillis);
            args.put("x-expires", tierMillis + 2 * LEASE_REFRESH.toMillis());
            args.put("x-dead-letter-exchange", "");
            args.put("x-dead-letter-routing-key", groupQueue);
            channel.queueDeclare(name, durable, false, false, args);
            declaredAtNanos.put(tierMillis, now);
        }
        return name;
    }

    /** Forgets the leases, e.g. when the channel that declared them was replaced after an error. */
    void forget() {
        declaredAtNanos.clear();
    }
}
