package io.polybus.redis.internal;

import io.polybus.BrokerUnavailableException;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.spi.DeliveryCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.polybus.redis.internal.StreamFields.bytes;

/**
 * A pub/sub subscriber: every consumer receives every message published to the topic's channel while it is
 * subscribed, whatever its group. Nothing is stored: a message published while no consumer listens, or while
 * the connection is down, is lost (at most once). The prefetch bounds what the consumer holds; past it, the
 * subscriber stops reading and Redis buffers (then disconnects it, per its {@code client-output-buffer-limit}).
 * REQUEUE hands the message to the handler again in this process; REJECT publishes it, best effort, on the
 * dead-letter channel.
 */
final class PubSubConsumer extends RedisConsumer<PubSubAcknowledgement> {
    private static final Logger log = LoggerFactory.getLogger(PubSubConsumer.class);

    private final byte[] channel;
    private final CountDownLatch firstSubscription = new CountDownLatch(1);
    private final Subscriber subscriber = new Subscriber();
    private Jedis connection;

    PubSubConsumer(Connections connections, ConsumerOptions options, DeliveryHandler handler, DeliveryCounters counters) {
        super(connections, options, handler, counters, "pubsub", true);
        this.channel = bytes(settings.key(options.topic()));
    }

    /** Subscribes and returns once Redis confirmed the subscription. */
    void start() {
        connection = connections.dedicated(Duration.ZERO);
        startReading();
        long wait = settings.connectTimeout().plus(settings.socketTimeout()).toMillis();
        boolean subscribed;
        try {
            subscribed = firstSubscription.await(wait, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            subscribed = false;
        }
        if (!subscribed) {
            close();
            throw new BrokerUnavailableException("redis at " + settings.address() + " did not confirm the subscription to '"
                    + options.topic() + "' within " + wait + " ms");
        }
    }

    /** Redis pushes: the subscriber takes a prefetch permit per message as it arrives. */
    @Override
    int fetchSize() {
        return 0;
    }

    @Override
    void fetch(int room) {
        if (connection == null) {
            connection = connections.dedicated(Duration.ZERO);
            log.info("subscriber of topic '{}' reconnected to redis at {}; messages published meanwhile are lost",
                    options.topic(), settings.address());
        }
        connection.subscribe(subscriber, channel);
    }

    private final class Subscriber extends BinaryJedisPubSub {
        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            firstSubscription.countDown();
            if (!running) {
                unsubscribe();
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            try {
                while (permits.reserve(1) == 0) {
                    if (!running) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Blob.Decoded d;
            try {
                d = Blob.decode(options.topic(), message);
            } catch (RuntimeException e) {
                log.warn("channel of topic '{}' carried something that is not a Polybus message; ignored: {}",
                        options.topic(), e.toString());
                permits.release();
                return;
            }
            offer(d.message(), d.deliveries() + 1);
        }
    }

    void offer(Message message, int attempt) {
        PubSubAcknowledgement ack = new PubSubAcknowledgement(this, message, attempt);
        handedOut.add(ack);
        if (running) {
            deliver(message, attempt, ack);
        }
    }

    void settled(PubSubAcknowledgement ack, boolean releasePermit) {
        handedOut.remove(ack);
        if (releasePermit) {
            permits.release();
        }
    }

    @Override
    void dropConnection() {
        Jedis j = connection;
        connection = null;
        if (j != null) {
            try {
                j.close();
            } catch (JedisException e) {
                log.debug("closing a broken subscriber connection: {}", e.toString());
            }
        }
    }

    @Override
    void wakeUp() {
        try {
            if (subscriber.isSubscribed()) {
                subscriber.unsubscribe();
            }
        } catch (JedisException e) {
            log.debug("unsubscribing from topic '{}': {}", options.topic(), e.toString());
        }
    }

    @Override
    void finish() {
        int lost = 0;
        for (PubSubAcknowledgement ack : handedOut) {
            if (ack.abandon()) {
                lost++;
            }
        }
        handedOut.clear();
        if (lost > 0) {
            log.info("subscriber of topic '{}' closed with {} unsettled deliveries; pub/sub cannot redeliver them",
                    options.topic(), lost);
        }
        dropConnection();
    }
}
