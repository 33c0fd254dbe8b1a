package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.Receipt;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.HandlerShutdown;
import io.polybus.spi.OrderedWorkers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One member of a group: a channel with {@code basicQos(prefetch)} consuming the group's queue with manual
 * acks. With concurrency 1 the handler runs on the channel's dispatch thread (the broker's order, no hand-off);
 * above 1 on {@link OrderedWorkers} lanes chosen by key, so one key is handled one message at a time, in order.
 *
 * <p>REQUEUE: on quorum queues a {@code basicNack} with requeue (the broker counts deliveries); on classic
 * queues, which do not count them, a copy carrying the next attempt number is published to the queue
 * (confirmed) and the original acked. A requeue with a delay publishes that copy (confirmed) to a delay queue of
 * the group ({@link DelayQueues}), whence RabbitMQ dead-letters it back into the group's queue when due, and acks
 * the original; on every queue type. Dead letters are published (confirmed) to the dead-letter topic, then
 * the original is acked; when that publish fails the original is handed back to the queue instead.
 *
 * <p>Threading: acks and nacks may come from any thread (amqp-client writes each frame of a channel under
 * the channel's lock, and they need no sequence number); requeue and dead-letter publishes go through a
 * confirm channel of this consumer, serialised by a lock.
 *
 * <p>Close cancels the subscription, waits for running handlers and pending requeue/dead-letter publishes,
 * then closes the channel without acking what is unsettled, so RabbitMQ redelivers it.
 */
final class RabbitConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(RabbitConsumer.class);

    final ConsumerOptions options;
    final DeliveryCounters counters;
    private final RabbitBroker broker;
    private final DeliveryHandler handler;
    private final Channel channel;
    private final String queue;
    private final OrderedWorkers workers;
    private final ReentrantLock inlineHandler = new ReentrantLock();
    private final Map<Long, RabbitAcknowledgement> unsettled = new ConcurrentHashMap<>();
    private final ReentrantLock sideLock = new ReentrantLock();
    /** Guarded by {@link #sideLock}. */
    private ConfirmChannel side;
    /** Guarded by {@link #sideLock}. */
    private final DelayQueues delays;
    private final Set<CompletableFuture<Void>> sidePending = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile String consumerTag;

    private RabbitConsumer(RabbitBroker broker, ConsumerOptions options, DeliveryHandler handler,
                           DeliveryCounters counters, Channel channel, String queue) {
        this.broker = broker;
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.channel = channel;
        this.queue = queue;
        this.delays = new DelayQueues(queue, !options.ephemeral());
        this.workers = options.concurrency() > 1
                ? new OrderedWorkers("polybus-rabbitmq-" + queue, options.concurrency()) : null;
    }

    /** Declares the group's queue and binding, then starts consuming; returns once both are done. */
    static RabbitConsumer start(RabbitBroker broker, ConsumerOptions options, DeliveryHandler handler,
                                DeliveryCounters counters) {
        String what = "subscribe of group '" + options.group() + "' to topic '" + options.topic() + "'";
        Channel channel = null;
        try {
            channel = broker.connection().createChannel();
            if (channel == null) {
                throw new IOException("no free channel on the connection (channel-max reached)");
            }
            String queue = broker.declareGroup(channel, options.topic(), options.group(), options.ephemeral());
            if (options.deadLetterTopic().isPresent()) {
                broker.declareDeadLetter(channel, options.deadLetterTopic().get());
            }
            channel.basicQos(options.prefetch());
            RabbitConsumer consumer = new RabbitConsumer(broker, options, handler, counters, channel, queue);
            channel.addShutdownListener(consumer::channelShutdown);
            consumer.consumerTag = channel.basicConsume(queue, false, consumer.new Receiver(channel));
            return consumer;
        } catch (IOException | RuntimeException e) {
            abort(channel);
            throw broker.failure(e, what);
        }
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    private final class Receiver extends DefaultConsumer {
        Receiver(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            if (stopping) {
                return;
            }
            long deliveryTag = envelope.getDeliveryTag();
            Message message;
            try {
                message = WireFormat.message(options.topic(), properties, body);
            } catch (RuntimeException e) {
                // Not something a Polybus producer sent; an exception here would close the channel.
                log.error("dropping a message on queue '{}' that cannot be read as a Polybus message", queue, e);
                unsettled.remove(deliveryTag);
                nack(deliveryTag, false);
                return;
            }
            int attempt = WireFormat.attempt(properties, envelope.isRedeliver());
            RabbitAcknowledgement ack = new RabbitAcknowledgement(RabbitConsumer.this, deliveryTag, attempt, message,
                    properties, body);
            unsettled.put(deliveryTag, ack);
            long due = WireFormat.due(properties);
            if (due > System.currentTimeMillis()) {
                // Waited in the longest delay queue but is due later still: waits again, not yet an attempt.
                delay(ack, attempt, due, "delayed requeue");
                return;
            }
            if (attempt > options.maxDeliveries()) {
                // Redelivered after consumers failed without settling it (e.g. crashed on it) too often.
                ack.reject("delivered " + attempt + " times, never settled by a consumer (maxDeliveries "
                        + options.maxDeliveries() + ")");
                return;
            }
            Delivery delivery = new Delivery(message, attempt, ack);
            if (workers == null) {
                inlineHandler.lock();
                try {
                    if (!stopping) {
                        handle(delivery);
                    }
                } finally {
                    inlineHandler.unlock();
                }
            } else {
                byte[] key = message.unsafeKey();
                try {
                    workers.execute(key == null ? Long.hashCode(deliveryTag) : Arrays.hashCode(key), () -> handle(delivery));
                } catch (RejectedExecutionException e) {
                    // Closing: the delivery stays unsettled and RabbitMQ redelivers it.
                    log.debug("delivery {} arrived while group '{}' closes", deliveryTag, options.group());
                }
            }
        }

        @Override
        public void handleCancel(String tag) {
            log.warn("RabbitMQ cancelled the subscription of group '{}' to topic '{}' (queue '{}' deleted?)",
                    options.group(), options.topic(), queue);
        }
    }

    private void handle(Delivery delivery) {
        try {
            handler.handle(delivery);
        } catch (Exception e) {
            log.error("handler of group '{}' on topic '{}' failed; the delivery stays unsettled until the consumer closes",
                    options.group(), options.topic(), e);
        }
    }

    void ack(RabbitAcknowledgement ack) {
        unsettled.remove(ack.deliveryTag);
        try {
            channel.basicAck(ack.deliveryTag, false);
        } catch (IOException | RuntimeException e) {
            log.debug("ack of delivery {} on queue '{}' not sent ({}); RabbitMQ will redeliver it",
                    ack.deliveryTag, queue, e.toString());
        }
    }

    private void handBack(RabbitAcknowledgement ack) {
        unsettled.remove(ack.deliveryTag);
        nack(ack.deliveryTag, true);
    }

    private void nack(long deliveryTag, boolean requeue) {
        try {
            channel.basicNack(deliveryTag, false, requeue);
        } catch (IOException | RuntimeException e) {
            log.debug("nack of delivery {} on queue '{}' not sent ({}); RabbitMQ will redeliver it",
                    deliveryTag, queue, e.toString());
        }
    }

    void requeue(RabbitAcknowledgement ack) {
        if (broker.settings.quorum && !options.ephemeral()) {
            handBack(ack);
            return;
        }
        sidePublish(ack, "", queue, 0, copy(ack, ack.attempt() + 1, 0), ack.body, "requeue");
    }

    /**
     * Requeues through the delay queue of the delay's tier: the copy, carrying attempt + 1, waits there (kept by
     * RabbitMQ, durable like the group's queue) until RabbitMQ dead-letters it back into the group's queue.
     */
    void requeue(RabbitAcknowledgement ack, Duration delay) {
        long millis = delay.toMillis() + (delay.toNanosPart() % 1_000_000 == 0 ? 0 : 1);
        delay(ack, ack.attempt() + 1, System.currentTimeMillis() + millis, "delayed requeue");
    }

    /** Publishes a copy carrying {@code attempt} to wait until {@code dueMillis}, then acks the delivery. */
    private void delay(RabbitAcknowledgement ack, int attempt, long dueMillis, String what) {
        long wait = Math.max(1, dueMillis - System.currentTimeMillis());
        long tier = DelayQueues.tierMillis(wait);
        sidePublish(ack, "", null, tier, copy(ack, attempt, tier < wait ? dueMillis : 0), ack.body, what);
    }

    /** The delivery's properties with {@code attempt}, and {@code dueMillis} unless 0. */
    private static AMQP.BasicProperties copy(RabbitAcknowledgement ack, int attempt, long dueMillis) {
        Map<String, Object> headers = ack.properties.getHeaders() == null ? new HashMap<>()
                : new HashMap<>(ack.properties.getHeaders());
        headers.put(WireFormat.ATTEMPT_HEADER, attempt);
        if (dueMillis == 0) {
            headers.remove(WireFormat.DUE_HEADER);
        } else {
            headers.put(WireFormat.DUE_HEADER, dueMillis);
        }
        return ack.properties.builder().headers(headers).build();
    }

    void deadLetter(RabbitAcknowledgement ack, String deadLetterTopic, String reason) {
        Message letter = DeadLetter.of(ack.message, deadLetterTopic, options.group(), ack.attempt(), reason, Map.of());
        sidePublish(ack, deadLetterTopic, WireFormat.routingKey(letter), 0,
                WireFormat.properties(letter, broker.settings.persistent, 1), letter.unsafePayload(), "dead letter");
    }

    /**
     * Publishes a replacement of the delivery, then acks it; hands it back to the queue when that fails. With a
     * positive {@code delayTier} the replacement goes to that tier's delay queue instead of {@code routingKey}.
     */
    private void sidePublish(RabbitAcknowledgement ack, String exchange, String routingKey, long delayTier,
                             AMQP.BasicProperties properties, byte[] body, String what) {
        CompletableFuture<Receipt> future;
        sideLock.lock();
        try {
            if (side == null || side.isDead()) {
                if (side != null) {
                    side.abort();
                }
                side = ConfirmChannel.open(broker.publishing(), bytes -> { },
                        cause -> broker.shutdown(cause, what + " of group '" + options.group() + "'"));
            }
            String route = delayTier > 0 ? delays.declare(side.channel(), delayTier) : routingKey;
            boolean mandatory = exchange.isEmpty() || broker.settings.deadLetterQueue;
            future = side.publish(exchange, route, mandatory, properties, body,
                    exchange.isEmpty() ? options.topic() : exchange, ack.message.id(), body.length);
        } catch (IOException | RuntimeException e) {
            log.warn("{} of message {} for group '{}' failed, handing it back to the queue: {}",
                    what, ack.message.id(), options.group(), e.toString());
            delays.forget();
            handBack(ack);
            return;
        } finally {
            sideLock.unlock();
        }
        // Settle off the connection's I/O thread, which delivered the confirm.
        CompletableFuture<Void> settling = future.handleAsync((receipt, error) -> {
            if (error == null) {
                ack(ack);
            } else {
                log.warn("{} of message {} for group '{}' failed, handing it back to the queue: {}",
                        what, ack.message.id(), options.group(), error.getMessage());
                if (delayTier > 0) {
                    forgetDelayQueues();
                }
                handBack(ack);
            }
            return null;
        }, broker.dispatch());
        sidePending.add(settling);
        settling.whenComplete((done, error) -> sidePending.remove(settling));
    }

    /** A delayed publish failed (its delay queue may be gone): the next one declares its queue again. */
    private void forgetDelayQueues() {
        sideLock.lock();
        try {
            delays.forget();
        } finally {
            sideLock.unlock();
        }
    }

    /** The channel shut down (connection lost): its deliveries come again, so the old ones are dropped. */
    private void channelShutdown(ShutdownSignalException cause) {
        if (!cause.isInitiatedByApplication()) {
            log.info("channel of group '{}' on topic '{}' shut down ({}); unsettled deliveries will be redelivered",
                    options.group(), options.topic(), cause.getMessage());
        }
        unsettled.values().forEach(RabbitAcknowledgement::abandon);
        unsettled.clear();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        long deadline = System.nanoTime() + options.closeTimeout().toNanos();
        try {
            if (consumerTag != null && channel.isOpen()) {
                channel.basicCancel(consumerTag);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("cancelling the subscription of group '{}' failed: {}", options.group(), e.toString());
        }
        if (workers != null) {
            workers.shutdown(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } else {
            HandlerShutdown.awaitInline(inlineHandler, deadline, options);
        }
        HandlerShutdown.awaitSettling(sidePending, deadline, options);
        unsettled.values().forEach(RabbitAcknowledgement::abandon);
        unsettled.clear();
        sideLock.lock();
        try {
            if (side != null) {
                side.close();
            }
        } finally {
            sideLock.unlock();
        }
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            log.debug("closing the channel of group '{}' failed: {}", options.group(), e.toString());
            abort(channel);
        }
    }

    private static void abort(Channel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.abort();
        } catch (IOException | RuntimeException e) {
            log.debug("aborting a channel failed: {}", e.toString());
        }
    }
}
