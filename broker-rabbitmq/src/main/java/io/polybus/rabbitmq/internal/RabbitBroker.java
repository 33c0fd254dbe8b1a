package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Capability;
import io.polybus.ClosedException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.TlsFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two AMQP connections (recovering automatically, topology included): one for consuming, opened at once, and one
 * for publishing (producers, and consumers' requeue and dead-letter copies), opened with the first publish. Each
 * producer and consumer has channels of its own on them. They are apart because RabbitMQ throttles a connection
 * that publishes faster than its queues take (credit flow) or blocks it for a resource alarm by no longer reading
 * from its socket: on a shared connection the consumers' acks would wait behind the publishes, their prefetch
 * would fill and they would stop receiving, which slows the queues further. Declares the topology: per topic a
 * durable topic exchange, per group a durable queue {@code <topic>.<group>} bound to it with {@code #}.
 */
public final class RabbitBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RabbitBroker.class);

    final RabbitSettings settings;
    final BrokerErrors errors;
    private final Connection connection;
    private final Object publishingLock = new Object();
    /** Guarded by {@link #publishingLock} for writes. */
    private volatile Connection publishing;
    private final ExecutorService dispatch;
    private final MeterRegistry meters;
    private final Set<String> declaredExchanges = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object unblocked = new Object();
    private volatile String blockedReason;

    private RabbitBroker(RabbitSettings settings, Connection connection, ExecutorService dispatch, MeterRegistry meters) {
        this.settings = settings;
        this.errors = new BrokerErrors(settings);
        this.connection = connection;
        this.dispatch = dispatch;
        this.meters = meters;
    }

    /**
     * Connects.
     *
     * @throws io.polybus.BrokerUnavailableException naming host and port
     * @throws io.polybus.AuthenticationException    when the credentials are refused
     */
    public static RabbitBroker open(RabbitSettings settings, MeterRegistry meters) {
        // Handlers of consumers with concurrency 1 run on the dispatch thread of their channel; an unbounded
        // pool keeps one slow handler from stalling the consumers of other channels.
        AtomicInteger n = new AtomicInteger();
        ExecutorService dispatch = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "polybus-rabbitmq-dispatch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            Connection connection = settings.factory().newConnection(dispatch, settings.connectionName);
            log.debug("connected to RabbitMQ at {} as '{}'", settings.address(), settings.connectionName);
            return new RabbitBroker(settings, connection, dispatch, meters);
        } catch (IOException | TimeoutException | RuntimeException e) {
            dispatch.shutdownNow();
            PolybusException failure = new BrokerErrors(settings).connecting(e);
            if (failure instanceof BrokerUnavailableException) {
                // A closed connection may be TLS gone wrong: plaintext on a TLS port, a refused client certificate.
                throw TlsFailure.diagnose(settings.tls, "RabbitMQ", settings.host, settings.port,
                        settings.connectionTimeout).orElse(failure);
            }
            throw failure;
        }
    }

    @Override
    public String type() {
        return RabbitSettings.TYPE;
    }

    @Override
    public Set<Capability> capabilities() {
        return settings.capabilities;
    }

    @Override
    public long maxMessageBytes() {
        return settings.maxMessageBytes;
    }

    @Override
    public Producer producer(ProducerOptions options) {
        return new RabbitProducer(this, options);
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        DeliveryCounters counters = DeliveryCounters.register(meters, RabbitSettings.TYPE, options.topic(), options.group());
        return RabbitConsumer.start(this, options, handler, counters);
    }

    /** The connection consumers receive on. */
    Connection connection() {
        return connection;
    }

    /**
     * The connection publishes go through, named {@code <connection-name>-publish}; opened on first use.
     *
     * @throws PolybusException as {@link #open} does when it cannot connect, or when the broker is closed
     */
    Connection publishing() {
        Connection c = publishing;
        if (c != null) {
            return c;
        }
        synchronized (publishingLock) {
            if (closed.get()) {
                throw new ClosedException("rabbitmq broker is closed");
            }
            if (publishing == null) {
                try {
                    c = settings.factory().newConnection(dispatch, settings.connectionName + "-publish");
                } catch (IOException | TimeoutException | RuntimeException e) {
                    throw errors.connecting(e);
                }
                c.addBlockedListener(reason -> {
                    blockedReason = reason;
                    log.warn("RabbitMQ at {} blocks publishing: {}", settings.address(), reason);
                }, () -> {
                    blockedReason = null;
                    synchronized (unblocked) {
                        unblocked.notifyAll();
                    }
                    log.info("RabbitMQ at {} accepts publishing again", settings.address());
                });
                publishing = c;
            }
            return publishing;
        }
    }

    /** The connection's consumer dispatch pool; also runs settlements that follow a confirm. */
    ExecutorService dispatch() {
        return dispatch;
    }

    static String queueName(String topic, String group) {
        return topic + "." + group;
    }

    /**
     * Returns at once unless RabbitMQ blocks publishers (a resource alarm: memory or disk); then waits for it to
     * lift, so that a publish never hangs in a socket write.
     *
     * @throws BrokerUnavailableException when the block lasts longer than {@code timeout}
     */
    void awaitUnblocked(Duration timeout) {
        if (blockedReason == null) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (unblocked) {
            String reason;
            while ((reason = blockedReason) != null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new BrokerUnavailableException("RabbitMQ at " + settings.address() + " blocks publishing ("
                            + reason + ") for longer than " + timeout);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(unblocked, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PolybusException("interrupted while RabbitMQ blocks publishing", e);
                }
            }
        }
    }

    /** Declares the topic's exchange once per broker, when auto-create is on. */
    void ensureExchange(Channel channel, String topic) throws IOException {
        if (settings.autoCreate && !declaredExchanges.contains(topic)) {
            channel.exchangeDeclare(topic, "topic", true);
            declaredExchanges.add(topic);
        }
    }

    /** Forgets declared exchanges, e.g. after the broker said one does not exist. */
    void forgetExchanges() {
        declaredExchanges.clear();
    }

    /**
     * Declares the group's queue and binds it; returns the queue name. An ephemeral group's queue is a classic,
     * exclusive, auto-delete one: RabbitMQ deletes it when its consumer is cancelled or its connection goes.
     */
    String declareGroup(Channel channel, String topic, String group, boolean ephemeral) throws IOException {
        ensureExchange(channel, topic);
        String queue = queueName(topic, group);
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", settings.quorum && !ephemeral ? "quorum" : "classic");
        if (settings.singleActiveConsumer) {
            args.put("x-single-active-consumer", true);
        }
        channel.queueDeclare(queue, !ephemeral, ephemeral, ephemeral, args);
        channel.queueBind(queue, topic, "#");
        return queue;
    }

    /** Declares the dead-letter topic and, when configured, the queue that keeps its messages. */
    void declareDeadLetter(Channel channel, String deadLetterTopic) throws IOException {
        ensureExchange(channel, deadLetterTopic);
        if (settings.deadLetterQueue && settings.autoCreate) {
            Map<String, Object> args = Map.of("x-queue-type", settings.quorum ? "quorum" : "classic");
            channel.queueDeclare(deadLetterTopic, true, false, false, args);
            channel.queueBind(deadLetterTopic, deadLetterTopic, "#");
        }
    }

    /** Translates a failed channel operation; {@code what} names it, e.g. "send to topic 'x'". */
    PolybusException failure(Exception e, String what) {
        if (e instanceof PolybusException p) {
            return p;
        }
        if (e instanceof ShutdownSignalException s) {
            return shutdown(s, what);
        }
        if (e.getCause() instanceof ShutdownSignalException s) {
            return shutdown(s, what);
        }
        return errors.operation(e, what);
    }

    /** The channel or connection shut down during {@code what}. */
    PolybusException shutdown(ShutdownSignalException e, String what) {
        if (e.getReason() instanceof AMQP.Channel.Close close && close.getReplyCode() == AMQP.NOT_FOUND) {
            forgetExchanges();
        }
        return errors.shutdown(e, what);
    }

    @Override
    public void close() {
        Connection publisher;
        synchronized (publishingLock) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            publisher = publishing;
        }
        try {
            if (publisher != null) {
                close(publisher);
            }
            close(connection);
        } finally {
            dispatch.shutdown();
        }
    }

    private void close(Connection c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing the connection to {} failed: {}", settings.address(), e.toString());
            c.abort();
        }
    }
}
