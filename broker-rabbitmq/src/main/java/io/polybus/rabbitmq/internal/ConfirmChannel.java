package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ReturnListener;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.polybus.PolybusException;
import io.polybus.Receipt;
import io.polybus.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One channel in confirm mode and the publishes awaiting their confirm. A publish's future completes when
 * the broker acks it, and fails on a nack, on a return (a mandatory publish nothing was bound to receive: the
 * return arrives before the ack) or when the channel shuts down first. Confirms are tracked asynchronously:
 * no round trip per message.
 *
 * <p>Threading: {@link #publish} must be called by one thread at a time (the owner serialises it; the
 * sequence number and the publish must not interleave). The listeners run on the connection's I/O thread and
 * never block or take the owner's lock.
 */
final class ConfirmChannel implements ConfirmListener, ReturnListener, ShutdownListener {
    private static final Logger log = LoggerFactory.getLogger(ConfirmChannel.class);

    /** Called once per publish when its outcome is known, with the bytes it held. */
    interface Settled {
        void settled(long bytes);
    }

    private static final class Pending {
        final CompletableFuture<Receipt> future = new CompletableFuture<>();
        final Receipt receipt;
        final long bytes;
        volatile PolybusException returned;

        Pending(Receipt receipt, long bytes) {
            this.receipt = receipt;
            this.bytes = bytes;
        }
    }

    private final Channel channel;
    private final Settled settled;
    private final Function<ShutdownSignalException, PolybusException> onShutdown;
    private final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    private volatile PolybusException dead;

    private ConfirmChannel(Channel channel, Settled settled, Function<ShutdownSignalException, PolybusException> onShutdown) {
        this.channel = channel;
        this.settled = settled;
        this.onShutdown = onShutdown;
    }

    /**
     * Opens a channel in confirm mode. {@code onShutdown} turns the reason the channel closed into the
     * exception its pending publishes fail with.
     */
    static ConfirmChannel open(Connection connection, Settled settled,
                               Function<ShutdownSignalException, PolybusException> onShutdown) throws IOException {
        Channel channel = connection.createChannel();
        if (channel == null) {
            throw new IOException("no free channel on the connection (channel-max reached)");
        }
        ConfirmChannel c = new ConfirmChannel(channel, settled, onShutdown);
        channel.addShutdownListener(c);
        channel.addConfirmListener(c);
        channel.addReturnListener(c);
        channel.confirmSelect();
        return c;
    }

    Channel channel() {
        return channel;
    }

    /** Whether the channel shut down; a dead channel is replaced, never reused. */
    boolean isDead() {
        return dead != null || !channel.isOpen();
    }

    /**
     * Publishes; the future completes on the confirm. A publish the client refuses at once (the channel or
     * connection is closed) fails the future rather than throwing.
     */
    CompletableFuture<Receipt> publish(String exchange, String routingKey, boolean mandatory,
                                       AMQP.BasicProperties properties, byte[] body, String topic, String messageId,
                                       long bytes) {
        long seq = channel.getNextPublishSeqNo();
        Pending p = new Pending(Receipt.of(topic, messageId, "publish-seq " + seq), bytes);
        pending.put(seq, p);
        try {
            channel.basicPublish(exchange, routingKey, mandatory, properties, body);
        } catch (IOException | RuntimeException e) {
            PolybusException cause = dead != null ? dead
                    : e instanceof ShutdownSignalException s ? onShutdown.apply(s)
                    : new RetriableException("publish to topic '" + topic + "' failed: " + e.getMessage(), e);
            fail(seq, cause);
            return p.future;
        }
        if (dead != null) {
            // The channel shut down while this was published: the shutdown listener may have missed it.
            fail(seq, dead);
        }
        return p.future;
    }

    int pendingCount() {
        return pending.size();
    }

    /** Fails every publish still waiting, e.g. when the owner closes before the broker answered. */
    void failAll(PolybusException cause) {
        for (Long seq : pending.keySet()) {
            fail(seq, cause);
        }
    }

    void close() {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | RuntimeException | TimeoutException e) {
            log.debug("closing channel {} failed: {}", channel.getChannelNumber(), e.toString());
            abort();
        }
    }

    /** Closes the channel without waiting for the broker; used on a dead channel. */
    void abort() {
        try {
            channel.abort();
        } catch (IOException | RuntimeException e) {
            log.debug("aborting channel failed: {}", e.toString());
        }
    }

    private void fail(long seq, PolybusException cause) {
        Pending p = pending.remove(seq);
        if (p != null) {
            settled.settled(p.bytes);
            p.future.completeExceptionally(cause);
        }
    }

    private void confirm(Pending p) {
        settled.settled(p.bytes);
        PolybusException returned = p.returned;
        if (returned != null) {
            p.future.completeExceptionally(returned);
        } else {
            p.future.complete(p.receipt);
        }
    }

    @Override
    public void handleAck(long deliveryTag, boolean multiple) {
        if (multiple) {
            Map.Entry<Long, Pending> e;
            while ((e = pending.firstEntry()) != null && e.getKey() <= deliveryTag) {
                if (pending.remove(e.getKey(), e.getValue())) {
                    confirm(e.getValue());
                }
            }
        } else {
            Pending p = pending.remove(deliveryTag);
            if (p != null) {
                confirm(p);
            }
        }
    }

    @Override
    public void handleNack(long deliveryTag, boolean multiple) {
        RetriableException cause = new RetriableException("RabbitMQ refused the message (publisher nack): it was not stored");
        if (multiple) {
            for (Long seq : pending.headMap(deliveryTag, true).keySet()) {
                fail(seq, cause);
            }
        } else {
            fail(deliveryTag, cause);
        }
    }

    @Override
    public void handleReturn(int replyCode, String replyText, String exchange, String routingKey,
                             AMQP.BasicProperties properties, byte[] body) {
        String id = properties.getMessageId();
        for (Pending p : pending.values()) {
            if (p.returned == null && p.receipt.messageId().equals(id)) {
                p.returned = new PolybusException("RabbitMQ returned the message for topic '" + exchange
                        + "' (" + replyCode + " " + replyText + "): no group is subscribed to it, so nothing stored it");
                return;
            }
        }
    }

    @Override
    public void shutdownCompleted(ShutdownSignalException cause) {
        PolybusException e = onShutdown.apply(cause);
        dead = e;
        failAll(e);
    }
}
