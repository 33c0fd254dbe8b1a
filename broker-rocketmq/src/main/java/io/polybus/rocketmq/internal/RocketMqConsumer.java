package io.polybus.rocketmq.internal;

import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.StartPosition;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.HandlerShutdown;
import io.polybus.spi.OrderedWorkers;
import io.polybus.spi.PrefetchWindow;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyContext;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.consumer.ProcessQueue;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One member of a group: a push consumer in clustering mode with an orderly listener, so that each queue of the
 * topic is consumed by one member at a time (the broker locks it for that member) and one batch at a time. The
 * listener hands each message of a batch to {@link OrderedWorkers} lanes chosen by key (one prefetch slot per
 * delivery), waits until every delivery of the batch is settled, then moves the queue's consumed offset past the
 * batch. A key's messages share one queue (the producer chooses it by key), so they reach the handler in order.
 *
 * <p>REQUEUE hands the message to its lane again with attempt + 1; the batch (and the queue's offset) waits for
 * it. A REQUEUE with a delay sends a copy, as a timer message that the broker holds until the delay has passed, to
 * the group's delay topic {@code %DELAY%<group>}, which the member consumes like the topic; the copy carries the
 * attempts so far. Copies and dead letters are sent (and answered by the broker) before the batch counts their
 * delivery settled; when such a send fails the batch is handed back to RocketMQ, which delivers it again. A delivery
 * never settled before the consumer closes or loses its queue is delivered again from the last committed offset.
 *
 * <p>Close stops pulling, waits for running handlers and dead-letter sends, lets the listener return (moving each
 * queue's offset past the settled deliveries at the start of its batch), writes the committed offsets to the broker
 * (and waits for its answer), then shuts the client down. An ephemeral group's delay topic is deleted with the
 * group.
 */
final class RocketMqConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(RocketMqConsumer.class);
    private static final long POLL_MILLIS = 100;
    /** Messages the listener gets at once: a batch is committed as a whole. */
    private static final int MAX_BATCH = 32;
    private static final int MAX_LISTENER_THREADS = 64;

    final ConsumerOptions options;
    final DeliveryCounters counters;
    private final RocketMqBroker broker;
    private final DeliveryHandler handler;
    private final String topic;
    private final String group;
    private final String deadLetterTopic;
    /** The RocketMQ topic of this group's delayed requeues. */
    private final String delayTopic;
    private final PrefetchWindow permits;
    private final OrderedWorkers workers;
    private final AtomicInteger listening = new AtomicInteger();
    /** Dead letters and delayed requeues sent and not yet answered. */
    private final Set<CompletableFuture<?>> sideSends = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    /** Set by close once handlers are done: a batch not settled by then is handed back. */
    private volatile boolean released;
    private DefaultMQPushConsumer client;
    private MemberOffsetStore offsets;
    private List<MessageQueue> queues;
    private List<MessageQueue> delayQueues;

    private RocketMqConsumer(RocketMqBroker broker, ConsumerOptions options, DeliveryHandler handler,
                             DeliveryCounters counters) {
        this.broker = broker;
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.topic = WireFormat.topic(options.topic());
        this.group = WireFormat.group(options.topic(), options.group());
        this.deadLetterTopic = options.deadLetterTopic().map(WireFormat::topic).orElse(null);
        this.delayTopic = WireFormat.delayTopic(group);
        this.permits = new PrefetchWindow(options.prefetch(), Duration.ofMillis(POLL_MILLIS));
        this.workers = new OrderedWorkers("polybus-rocketmq-" + group, options.concurrency());
    }

    /** Creates what is missing (topics, the group's starting offsets), starts consuming and returns once both are done. */
    static RocketMqConsumer start(RocketMqBroker broker, ConsumerOptions options, DeliveryHandler handler,
                                  DeliveryCounters counters) {
        RocketMqConsumer consumer = new RocketMqConsumer(broker, options, handler, counters);
        try {
            consumer.connect();
        } catch (MQClientException | RemotingException | MQBrokerException | RuntimeException e) {
            consumer.abort();
            throw e instanceof PolybusException p ? p : broker.failed("subscribing group '" + options.group()
                    + "' to topic '" + options.topic() + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            consumer.abort();
            throw broker.unavailable("subscribing group '" + options.group() + "'", e);
        }
        return consumer;
    }

    private void connect() throws MQClientException, RemotingException, MQBrokerException, InterruptedException {
        queues = broker.ensureTopic(topic);
        if (deadLetterTopic != null && broker.settings.autoCreate) {
            broker.ensureTopic(deadLetterTopic);
        }
        delayQueues = broker.ensureTopic(delayTopic);
        boolean earliest = options.startFrom() == StartPosition.EARLIEST;
        Map<MessageQueue, Long> backlog = new HashMap<>(broker.prepareGroup(topic, group, queues, earliest,
                options.ephemeral()));
        // Every member sets the delay topic's offsets before it consumes, so no requeue predates a group's offsets.
        backlog.putAll(broker.prepareGroup(delayTopic, group, delayQueues, false, options.ephemeral()));
        String name = "polybus-consumer-" + UUID.randomUUID();
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, broker.settings.credentials);
        c.setNamesrvAddr(broker.settings.nameServer);
        c.setInstanceName(name);
        c.setMessageModel(MessageModel.CLUSTERING);
        c.setConsumeFromWhere(earliest ? ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET : ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        // A thread per queue, so that a batch waiting for its handlers (or for prefetch slots) holds up no other
        // queue; the handlers themselves run on `concurrency` lanes.
        int allQueues = queues.size() + delayQueues.size();
        int threads = Math.min(MAX_LISTENER_THREADS, Math.max(options.concurrency(), allQueues));
        c.setConsumeThreadMin(threads);
        c.setConsumeThreadMax(threads);
        int batch = Math.min(MAX_BATCH, options.prefetch());
        c.setConsumeMessageBatchMaxSize(batch);
        // The client's cache of pulled messages per queue, on top of the prefetch handed to the handler. At least a
        // batch: the 5.3 client drops a queue's pull request for good when the messages being consumed alone exceed it.
        // The delay topic's queues get the same: they hold only what is due for redelivery.
        c.setPullThresholdForQueue(Math.max(batch, (options.prefetch() + queues.size() - 1) / queues.size()));
        broker.settings.apply(c);
        offsets = new MemberOffsetStore(c);
        c.setOffsetStore(offsets);
        c.subscribe(topic, "*");
        c.subscribe(delayTopic, "*");
        c.registerMessageListener((MessageListenerOrderly) this::consume);
        client = c;
        c.start();
        awaitShare();
        awaitBacklog(backlog);
    }

    /**
     * Rebalances until this member holds its share of the group's queues, waiting up to {@code call-timeout}. A member
     * joining a group gets a queue only once the member holding it lets go (after the broker told it of the newcomer),
     * so without the wait the first messages published after subscribe returns would all go to the members already
     * there.
     */
    private void awaitShare() throws InterruptedException {
        long deadline = System.nanoTime() + broker.settings.callTimeout.toNanos();
        while (!client.getDefaultMQPushConsumerImpl().tryRebalance()) {
            if (System.nanoTime() > deadline) {
                log.debug("group '{}' on topic '{}': this member did not get its share of the queues within {}",
                        options.group(), options.topic(), broker.settings.callTimeout);
                return;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /**
     * Waits (up to {@code call-timeout}) until every queue this member was given that has messages to catch up on
     * has its first ones in hand, so that they reach the handler before what is published after subscribe returns.
     */
    private void awaitBacklog(Map<MessageQueue, Long> backlog) throws InterruptedException {
        if (backlog.isEmpty()) {
            return;
        }
        Map<MessageQueue, ProcessQueue> mine = client.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable();
        long deadline = System.nanoTime() + broker.settings.callTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean started = backlog.entrySet().stream().allMatch(e -> {
                ProcessQueue pq = mine.get(e.getKey());
                return pq == null || pq.getMsgCount().get() > 0
                        || offsets.consumed(e.getKey()) >= e.getValue();
            });
            if (started) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        log.debug("group '{}' on topic '{}': not every queue with a backlog started within {}", options.group(),
                options.topic(), broker.settings.callTimeout);
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    /** A batch of one queue, on a thread of the client's: hands it out, waits until it is settled. */
    private ConsumeOrderlyStatus consume(List<MessageExt> messages, ConsumeOrderlyContext context) {
        listening.incrementAndGet();
        try {
            Batch batch = new Batch(messages.size());
            // Closing stops the hand-out; what was handed out may still be settled until close releases the batch.
            for (int i = 0; i < messages.size() && reserve(); i++) {
                deliver(batch, i, messages.get(i));
            }
            while (!batch.settled.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (released) {
                    return handBack(batch, messages, context);
                }
            }
            if (batch.failed) {
                return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
            }
            commit(context.getMessageQueue(), messages.get(messages.size() - 1).getQueueOffset() + 1);
            return ConsumeOrderlyStatus.SUCCESS;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
        } finally {
            listening.decrementAndGet();
        }
    }

    /**
     * Closing with a batch not all settled: the queue's offset moves past the settled deliveries at its start only,
     * so that close hands back exactly the rest.
     */
    private ConsumeOrderlyStatus handBack(Batch batch, List<MessageExt> messages, ConsumeOrderlyContext context) {
        int settled = 0;
        while (settled < messages.size() && batch.done.get(settled) == 1) {
            settled++;
        }
        if (settled > 0) {
            commit(context.getMessageQueue(), messages.get(settled - 1).getQueueOffset() + 1);
        }
        return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
    }

    /**
     * Moves the queue's consumed offset to {@code next}, now rather than after the listener returns, so that close
     * (which waits for the listener) persists it. A queue being taken from this member (a rebalance) is unlocked only
     * once this listener returned, after the client wrote this offset to the broker ({@link MemberOffsetStore}).
     */
    private void commit(MessageQueue mq, long next) {
        offsets.updateOffset(mq, next, true);
    }

    private boolean reserve() throws InterruptedException {
        while (running) {
            if (permits.reserve(1) > 0) {
                return true;
            }
        }
        return false;
    }

    private void deliver(Batch batch, int index, MessageExt m) {
        Message message;
        try {
            message = WireFormat.toMessage(options.topic(), m);
        } catch (PolybusException e) {
            log.error("dropping message {} of queue {} that cannot be read as a Polybus message", m.getMsgId(),
                    m.getQueueId(), e);
            batch.done.set(index, 1);
            batch.settled.countDown();
            permits.release();
            return;
        }
        int attempt = WireFormat.attemptsBefore(m) + m.getReconsumeTimes() + 1;
        dispatch(new RocketMqAcknowledgement(this, batch, index, message, attempt));
    }

    private void dispatch(RocketMqAcknowledgement ack) {
        Delivery delivery = new Delivery(ack.message, ack.attempt(), ack);
        byte[] key = ack.message.unsafeKey();
        try {
            workers.execute(key == null ? ack.message.id().hashCode() : Arrays.hashCode(key), () -> handle(delivery));
        } catch (RejectedExecutionException e) {
            // Closing: the batch is not committed and RocketMQ delivers it again.
            log.debug("a delivery arrived while group '{}' closes", options.group());
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

    void ack(RocketMqAcknowledgement ack) {
        ack.batch.done.set(ack.index, 1);
        ack.batch.settled.countDown();
        permits.release();
    }

    /** Delivers the message again, in its place on its lane, keeping its prefetch slot. */
    void requeue(RocketMqAcknowledgement ack) {
        if (running) {
            dispatch(new RocketMqAcknowledgement(this, ack.batch, ack.index, ack.message, ack.attempt() + 1));
        }
    }

    /**
     * Sends a copy to the group's delay topic as a timer message, due after {@code delay} by the broker's clock (plus
     * its timer precision: the broker rounds a delivery time down to it), then settles the delivery.
     */
    void requeue(RocketMqAcknowledgement ack, Duration delay) {
        org.apache.rocketmq.common.message.Message copy = WireFormat.toRocketMq(delayTopic, ack.message);
        copy.putUserProperty(WireFormat.ATTEMPTS, Integer.toString(ack.attempt()));
        copy.setDelayTimeMs(delay.plus(broker.settings.timerPrecision).toMillis());
        sideSend(ack, copy, "delayed requeue");
    }

    void deadLetter(RocketMqAcknowledgement ack, String polybusDeadLetterTopic, String reason) {
        Message letter = DeadLetter.of(ack.message, polybusDeadLetterTopic, options.group(), ack.attempt(), reason, Map.of());
        sideSend(ack, WireFormat.toRocketMq(WireFormat.topic(polybusDeadLetterTopic), letter), "dead letter");
    }

    /**
     * Sends {@code m} for {@code ack}'s delivery and settles the delivery once the broker answered; if it did not
     * store {@code m}, the delivery's batch is handed back to RocketMQ, which delivers it again.
     */
    private void sideSend(RocketMqAcknowledgement ack, org.apache.rocketmq.common.message.Message m, String what) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        sideSends.add(sent);
        sent.whenComplete((done, error) -> {
            sideSends.remove(sent);
            if (error != null) {
                log.warn("{} of message {} for group '{}' not stored ({}); RocketMQ will deliver its batch again", what,
                        ack.message.id(), options.group(), error.getMessage());
                ack.batch.failed = true;
            }
            ack(ack);
        });
        try {
            broker.sideProducer().send(m, new SendCallback() {
                @Override
                public void onSuccess(SendResult result) {
                    if (result.getSendStatus() == SendStatus.SEND_OK) {
                        sent.complete(null);
                    } else {
                        sent.completeExceptionally(new PolybusException("the broker answered " + result.getSendStatus()));
                    }
                }

                @Override
                public void onException(Throwable e) {
                    sent.completeExceptionally(e);
                }
            }, broker.settings.sendTimeout.toMillis());
        } catch (MQClientException | RemotingException | RuntimeException e) {
            sent.completeExceptionally(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sent.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        long deadline = System.nanoTime() + options.closeTimeout().toNanos();
        client.suspend();
        HandlerShutdown.await(Thread.currentThread(), workers, options);
        HandlerShutdown.awaitSettling(sideSends, deadline, options);
        released = true;
        awaitListeners(deadline);
        persistOffsets();
        client.shutdown();
        if (options.ephemeral()) {
            broker.deleteGroup(group, queues);
            broker.deleteTopic(delayTopic, delayQueues);
        }
    }

    /** Waits (bounded) until no listener call runs: each returns within a poll once {@link #released} is set. */
    private void awaitListeners(long deadline) {
        while (listening.get() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Writes the consumed offsets of the queues this member holds and waits for the broker's answers, before the
     * client's shutdown unlocks the queues (it writes them only after).
     */
    private void persistOffsets() {
        if (offsets != null) {
            client.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable().forEach((mq, pq) -> {
                if (!pq.isDropped()) {
                    offsets.persist(mq);
                }
            });
        }
    }

    private void abort() {
        running = false;
        released = true;
        workers.shutdown(Duration.ZERO);
        if (client != null) {
            client.shutdown();
        }
    }

    /** The deliveries of one listener call: which are settled (by position), and whether any could not be. */
    static final class Batch {
        final CountDownLatch settled;
        final AtomicIntegerArray done;
        volatile boolean failed;

        Batch(int size) {
            settled = new CountDownLatch(size);
            done = new AtomicIntegerArray(size);
        }
    }
}
