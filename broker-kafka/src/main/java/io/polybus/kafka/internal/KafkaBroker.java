package io.polybus.kafka.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Capability;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.NativeCompression;
import io.polybus.spi.TlsFailure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection to a Kafka cluster: an admin client for topics, a producer for requeues and dead letters
 * (opened on first need), and the producers and consumers it makes. Thread-safe.
 */
public final class KafkaBroker implements Broker, NativeCompression {
    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

    private final KafkaSettings settings;
    private final MeterRegistry meters;
    private final Set<Capability> capabilities;
    private final Admin admin;
    private final Topics topics;
    private final AtomicBoolean closed = new AtomicBoolean();
    private KafkaProducer<byte[], byte[]> republisher;

    private KafkaBroker(KafkaSettings settings, MeterRegistry meters, Set<Capability> capabilities, Admin admin) {
        this.settings = settings;
        this.meters = meters;
        this.capabilities = capabilities;
        this.admin = admin;
        this.topics = new Topics(admin, settings);
    }

    /**
     * Connects and checks that the cluster answers within {@code connect-timeout}.
     *
     * @throws BrokerUnavailableException naming the bootstrap servers when no broker answers in time
     * @throws AuthenticationException    when the cluster refuses the credentials
     */
    public static KafkaBroker open(KafkaSettings settings, MeterRegistry meters, Set<Capability> capabilities) {
        Duration timeout = settings.connectTimeout();
        Admin admin;
        try {
            admin = Admin.create(settings.admin());
        } catch (KafkaException e) {
            throw new BrokerUnavailableException("cannot connect to Kafka at " + settings.servers()
                    + " (bootstrap-servers): " + rootMessage(e), e);
        }
        try {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            admin.close(Duration.ZERO);
            Throwable cause = Errors.unwrap(e);
            Optional<PolybusException> tlsFailure = settings.tls().enabled()
                    ? TlsFailure.explain(cause, settings.tls(), "Kafka", settings.servers()) : Optional.empty();
            PolybusException translated = Errors.translate(e, settings.servers(), "describe the cluster");
            if (tlsFailure.isEmpty() && translated instanceof AuthenticationException) {
                throw translated;
            }
            // A listener that expects another protocol closes the connection, and the client retries until its
            // timeout, or reports only that the handshake ended: the listener itself says what it expects.
            throw ListenerProbe.diagnose(settings).or(() -> tlsFailure).orElseGet(() -> new BrokerUnavailableException(
                    "cannot reach Kafka at " + settings.servers() + " (bootstrap-servers): no broker answered within "
                            + timeout.toMillis() + " ms (connect-timeout)", e));
        }
        log.debug("connected to Kafka at {}", settings.servers());
        return new KafkaBroker(settings, meters, capabilities, admin);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    KafkaSettings settings() {
        return settings;
    }

    Topics topics() {
        return topics;
    }

    /**
     * Deletes what an ephemeral group kept: its committed offsets and its retry and delay topics. A failure is logged: the
     * offsets then expire after the cluster's {@code offsets.retention.minutes}.
     */
    void deleteGroup(String group, List<String> groupTopics) {
        long timeout = settings.connectTimeout().toMillis();
        try {
            admin.deleteConsumerGroups(List.of(group)).all().get(timeout, TimeUnit.MILLISECONDS);
            admin.deleteTopics(groupTopics).all().get(timeout, TimeUnit.MILLISECONDS);
            groupTopics.forEach(topics::forget);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("could not delete the ephemeral group '{}' and its topics {} at {}: {}", group, groupTopics,
                    settings.servers(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The producer that publishes retry copies and dead letters for every consumer of this broker. */
    synchronized KafkaProducer<byte[], byte[]> republisher() {
        if (closed.get()) {
            throw new io.polybus.ClosedException("Kafka broker connection is closed");
        }
        if (republisher == null) {
            ProducerOptions defaults = ProducerOptions.defaults();
            republisher = new KafkaProducer<>(settings.producer(defaults.maxInFlightBytes(), defaults.blockTimeout()));
        }
        return republisher;
    }

    @Override
    public String type() {
        return KafkaSettings.TYPE;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public long maxMessageBytes() {
        return settings.maxMessageBytes();
    }

    @Override
    public Producer producer(ProducerOptions options) {
        return new KafkaMessageProducer(this, options);
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        KafkaMessageConsumer consumer = new KafkaMessageConsumer(this, options, handler,
                DeliveryCounters.register(meters, KafkaSettings.TYPE, options.topic(), options.group()));
        consumer.start();
        return consumer;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            if (republisher != null) {
                republisher.close(Duration.ofSeconds(30));
            }
        }
        admin.close(Duration.ofSeconds(5));
    }
}
