package io.polybus.mqtt.internal;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.HandlerShutdown;
import io.polybus.spi.OrderedWorkers;
import io.polybus.spi.PrefetchWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One member of a group: an MQTT connection with a persistent session (client id
 * {@code <client-id>:<group>:<topic>:<slot>}, clean start off, the configured session expiry) subscribed at QoS 1
 * to the shared subscriptions {@code $share/<group>/<topic>} and {@code $share/<group>/<topic>.retry.<group>}. The
 * server hands each message of the topic to one member of each group, and keeps what a member has not acknowledged
 * (and what arrives while it is away) in that member's session until it comes back.
 *
 * <p>The handler gets at most the prefetch of unsettled deliveries; what the server sent beyond that waits in the
 * client, unacknowledged, and the server sends no more than its in-flight limit (Mosquitto 2.0:
 * {@code max_inflight_messages}, 20 by default). The client announces no receive maximum: Mosquitto 2.0.11 keeps to
 * one on a new session, but resuming a session with a backlog it sent 418 unacknowledged deliveries to a client
 * that announced 256, and the client then closes the connection as a protocol error. MQTT acknowledges in the order messages arrived, so an unsettled delivery holds back the
 * acknowledgements of those after it (the client sends them once it is settled).
 *
 * <p>MQTT has no negative acknowledgement. REQUEUE publishes a copy carrying the next attempt number to the group's
 * retry topic and acknowledges the original once the server has the copy; a dead letter is published to the
 * dead-letter topic the same way. A publish the server refuses is tried again with back-off, the original staying
 * unacknowledged meanwhile, so nothing is lost. Deliveries of a connection that was lost are abandoned: the server
 * sends them again when the session resumes, and this consumer counts them as the next attempt.
 *
 * <p>Threading: with concurrency 1 the handler runs on the consumer's dispatch thread; above 1 on lanes chosen by
 * key. Settling may happen on any thread.
 */
final class MqttConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(MqttConsumer.class);

    final ConsumerOptions options;
    final DeliveryCounters counters;
    private final MqttBroker broker;
    private final DeliveryHandler handler;
    private final String slotBase;
    private final int slot;
    private final MqttTopic retryTopic;
    private final MqttTopic deadLetterTopic;
    private final Clients.Connection connection;
    private final ThreadPoolExecutor dispatch;
    private final OrderedWorkers workers;
    private final ReentrantLock inlineHandler = new ReentrantLock();
    private final Set<MqttAcknowledgement> unsettled = ConcurrentHashMap.newKeySet();
    private final PrefetchWindow permits;
    /** Ids of deliveries abandoned when a connection was lost, with their attempt: the server sends them again. */
    private final Map<String, Integer> redelivering = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<Void>> sidePending = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean stopping;

    private MqttConsumer(MqttBroker broker, ConsumerOptions options, DeliveryHandler handler, DeliveryCounters counters,
                         String slotBase, int slot, String retryTopic) {
        this.broker = broker;
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.slotBase = slotBase;
        this.slot = slot;
        this.retryTopic = MqttTopic.of(retryTopic);
        this.deadLetterTopic = options.deadLetterTopic().map(MqttTopic::of).orElse(null);
        String name = "polybus-mqtt-" + options.topic() + "-" + options.group();
        this.dispatch = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        // Idle consumers keep no thread; the executor is never shut down, so the client can always hand it work.
        this.dispatch.allowCoreThreadTimeOut(true);
        this.workers = options.concurrency() > 1 ? new OrderedWorkers(name, options.concurrency()) : null;
        // An ephemeral group's session, and with it its shared subscription, ends when its connection does.
        this.connection = new Clients.Connection(broker.settings, slotBase + ":" + slot, options.ephemeral(),
                options.ephemeral() ? 0 : broker.settings.sessionExpirySeconds(), 65_535, this::connectionLost);
        this.permits = new PrefetchWindow(options.prefetch(), Duration.ofMillis(50));
    }

    /**
     * Connects as the lowest free member slot of the group in this JVM and subscribes; returns once the server
     * granted both subscriptions, so the group exists.
     *
     * @throws PolybusException when the topic or group cannot be MQTT names, or the server refuses the subscription
     */
    static MqttConsumer start(MqttBroker broker, ConsumerOptions options, DeliveryHandler handler,
                              DeliveryCounters counters) {
        String topicProblem = WireFormat.topicProblem(options.topic());
        if (topicProblem != null) {
            throw new PolybusException("cannot subscribe to topic '" + options.topic() + "': " + topicProblem);
        }
        String group = options.group();
        if (group.indexOf('/') >= 0 || group.indexOf('+') >= 0 || group.indexOf('#') >= 0 || !WireFormat.isClean(group)) {
            throw new PolybusException("group '" + group + "' cannot name an MQTT shared subscription: it must not"
                    + " contain /, + or # or control characters");
        }
        String retry = options.topic() + ".retry." + group;
        if (WireFormat.topicProblem(retry) != null) {
            throw new PolybusException("cannot subscribe to retry topic '" + retry + "': " + WireFormat.topicProblem(retry));
        }
        if (options.deadLetterTopic().isPresent() && WireFormat.topicProblem(options.deadLetterTopic().get()) != null) {
            throw new PolybusException("dead-letter topic '" + options.deadLetterTopic().get() + "': "
                    + WireFormat.topicProblem(options.deadLetterTopic().get()));
        }
        String slotBase = broker.settings.clientId() + ":" + group + ":" + options.topic();
        int slot = MemberSlots.acquire(slotBase);
        MqttConsumer consumer;
        try {
            consumer = new MqttConsumer(broker, options, handler, counters, slotBase, slot, retry);
        } catch (RuntimeException e) {
            MemberSlots.release(slotBase, slot);
            throw e;
        }
        try {
            consumer.begin();
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        return consumer;
    }

    private void begin() {
        // Registered before connecting: a resumed session's deliveries arrive right after CONNACK.
        connection.client.publishes(MqttGlobalPublishFilter.ALL, this::received, dispatch, true);
        connection.connect();
        String share = "$share/" + options.group() + "/";
        Mqtt5Subscribe subscribe = Mqtt5Subscribe.builder()
                .addSubscription().topicFilter(share + options.topic()).qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                .addSubscription().topicFilter(share + retryTopic).qos(MqttQos.AT_LEAST_ONCE).applySubscription()
                .build();
        Mqtt5SubAck subAck;
        String what = "subscribe group '" + options.group() + "' to topic '" + options.topic() + "'";
        try {
            subAck = connection.client.subscribe(subscribe)
                    .get(broker.settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw connection.failure(e.getCause(), what);
        } catch (TimeoutException e) {
            throw connection.failure(e, what + " within " + broker.settings.connectTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolybusException("interrupted while subscribing to topic '" + options.topic() + "'", e);
        }
        for (Mqtt5SubAckReasonCode code : subAck.getReasonCodes()) {
            if (code != Mqtt5SubAckReasonCode.GRANTED_QOS_1 && code != Mqtt5SubAckReasonCode.GRANTED_QOS_2) {
                throw new PolybusException("mqtt server at " + broker.settings.address() + " did not grant the QoS 1"
                        + " subscription of group '" + options.group() + "' to topic '" + options.topic() + "': " + code);
            }
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

    /** On the dispatch thread, in the order the server sent them. */
    private void received(Mqtt5Publish publish) {
        if (stopping) {
            return; // left unacknowledged in the session: the server sends it again when this member comes back
        }
        try {
            while (permits.reserve(1) == 0) {
                if (stopping) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        WireFormat.Decoded decoded;
        try {
            decoded = WireFormat.decode(options.topic(), publish);
        } catch (RuntimeException e) {
            log.error("dropping a message on topic '{}' that cannot be read as a Polybus message", options.topic(), e);
            permits.release();
            acknowledgeQuietly(publish);
            return;
        }
        Message message = decoded.message();
        int attempt = decoded.attempt();
        if (!redelivering.isEmpty()) {
            Integer before = redelivering.remove(message.id());
            if (before != null) {
                attempt = Math.max(attempt, before + 1);
            }
        }
        MqttAcknowledgement ack = new MqttAcknowledgement(this, publish, message, attempt);
        unsettled.add(ack);
        if (attempt > options.maxDeliveries()) {
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
                workers.execute(key == null ? message.id().hashCode() : Arrays.hashCode(key), () -> handle(delivery));
            } catch (RejectedExecutionException e) {
                log.debug("delivery of {} arrived while group '{}' closes", message.id(), options.group());
            }
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

    void acknowledge(MqttAcknowledgement ack) {
        settled(ack);
        acknowledgeQuietly(ack.publish);
    }

    /** The delivery no longer counts against the prefetch. */
    private void settled(MqttAcknowledgement ack) {
        if (unsettled.remove(ack)) {
            permits.release();
        }
    }

    private void acknowledgeQuietly(Mqtt5Publish publish) {
        try {
            publish.acknowledge();
        } catch (IllegalStateException | UnsupportedOperationException e) {
            log.debug("acknowledging a delivery of group '{}' twice: {}", options.group(), e.toString());
        }
    }

    void requeue(MqttAcknowledgement ack) {
        settled(ack);
        sidePublish(ack, WireFormat.publish(retryTopic, ack.message, ack.attempt() + 1), "requeue", true, 0, null);
    }

    void deadLetter(MqttAcknowledgement ack, String topic, String reason) {
        settled(ack);
        Message letter = DeadLetter.of(ack.message, topic, options.group(), ack.attempt(), reason, Map.of());
        MqttTopic target = topic.equals(deadLetterTopic == null ? null : deadLetterTopic.toString())
                ? deadLetterTopic : MqttTopic.of(topic);
        sidePublish(ack, WireFormat.publish(target, letter, 1), "dead letter", false, 0, null);
    }

    /**
     * Publishes what replaces the delivery, then acknowledges it; tries again with back-off until the server has it.
     *
     * @param ownTopic whether the group itself subscribes to the target: then "no matching subscribers" means the
     *                 server lost the subscription (a restart) and the copy went nowhere, so it is sent again
     */
    private void sidePublish(MqttAcknowledgement ack, Mqtt5Publish publish, String what, boolean ownTopic, int failures,
                             CompletableFuture<Void> pending) {
        CompletableFuture<Void> done = pending != null ? pending : new CompletableFuture<>();
        if (pending == null) {
            sidePending.add(done);
            done.whenComplete((x, e) -> sidePending.remove(done));
        }
        connection.client.publish(publish).whenComplete((result, failure) -> {
            Throwable error = failure;
            if (error == null && MqttProducer.noSubscribers(result)) {
                if (ownTopic) {
                    error = new IllegalStateException("the server has no subscription to " + publish.getTopic());
                } else {
                    log.warn("dead letter {} went to topic '{}', which no group subscribes to: the server dropped it",
                            ack.message.id(), publish.getTopic());
                }
            }
            if (error == null) {
                acknowledgeQuietly(ack.publish);
                done.complete(null);
                return;
            }
            if (closed.get()) {
                log.warn("{} of message {} for group '{}' not acknowledged by the server before close ({}); the original"
                        + " stays in the session for redelivery", what, ack.message.id(), options.group(), error.toString());
                done.complete(null);
                return;
            }
            long delay = Math.min(broker.settings.reconnectMaxDelay().toMillis(),
                    broker.settings.reconnectInitialDelay().toMillis() << Math.min(20, failures));
            log.warn("{} of message {} for group '{}' failed ({}); trying again in {} ms, the original stays unacknowledged",
                    what, ack.message.id(), options.group(), error.toString(), delay);
            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS)
                    .execute(() -> sidePublish(ack, publish, what, ownTopic, failures + 1, done));
        });
    }

    /** The connection was lost (on the client's event loop): the server sends unacknowledged deliveries again. */
    private void connectionLost(Throwable cause) {
        int abandoned = 0;
        for (MqttAcknowledgement ack : unsettled) {
            if (ack.abandon()) {
                redelivering.put(ack.message.id(), ack.attempt());
                // Clears it from the client's in-order acknowledgement queue; no PUBACK can reach the server now.
                acknowledgeQuietly(ack.publish);
                abandoned++;
            }
            settled(ack);
        }
        if (abandoned > 0) {
            log.info("group '{}' on topic '{}' lost its connection with {} unsettled deliveries; the server sends them again",
                    options.group(), options.topic(), abandoned);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        long deadline = System.nanoTime() + options.closeTimeout().toNanos();
        if (workers != null) {
            workers.shutdown(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } else {
            HandlerShutdown.awaitInline(inlineHandler, deadline, options);
        }
        HandlerShutdown.awaitSettling(sidePending, deadline, options);
        for (MqttAcknowledgement ack : unsettled) {
            ack.abandon();
            settled(ack);
        }
        connection.close();
        MemberSlots.release(slotBase, slot);
    }
}
