package io.polybus.artemis.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.DeliveryCounters;
import org.apache.activemq.artemis.api.core.ActiveMQAddressExistsException;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQQueueExistsException;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The entry point of one configured Artemis: a server locator from which each producer and each consumer opens
 * a connection of its own (so a lost connection fails exactly what it carried, and producers and consumers do
 * not share an I/O thread). Declares the topology: per topic a multicast address, per group a durable queue
 * {@code <topic>.<group>} on it.
 */
public final class ArtemisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(ArtemisBroker.class);

    final ArtemisSettings settings;
    final BrokerErrors errors;
    private final ServerLocator locator;
    private final MeterRegistry meters;
    private final Map<String, SimpleString> addresses = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ArtemisBroker(ArtemisSettings settings, ServerLocator locator, MeterRegistry meters) {
        this.settings = settings;
        this.errors = new BrokerErrors(settings);
        this.locator = locator;
        this.meters = meters;
    }

    /**
     * Connects once to check that Artemis answers and accepts the credentials.
     *
     * @throws io.polybus.BrokerUnavailableException naming host and port
     * @throws io.polybus.AuthenticationException    when the credentials are refused
     */
    public static ArtemisBroker open(ArtemisSettings settings, MeterRegistry meters) {
        ArtemisBroker broker = new ArtemisBroker(settings, settings.locator(), meters);
        try (Link probe = Link.open(broker, failure -> { })) {
            log.debug("connected to Artemis at {}", settings.address());
        } catch (ActiveMQException | RuntimeException e) {
            broker.locator.close();
            throw broker.errors.connecting(e);
        }
        return broker;
    }

    @Override
    public String type() {
        return ArtemisSettings.TYPE;
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
        return new ArtemisProducer(this, options);
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        DeliveryCounters counters = DeliveryCounters.register(meters, ArtemisSettings.TYPE, options.topic(), options.group());
        return ArtemisConsumer.start(this, options, handler, counters);
    }

    ServerLocator locator() {
        return locator;
    }

    /** The address of {@code topic}, encoded once. */
    SimpleString address(String topic) {
        SimpleString a = addresses.get(topic);
        if (a == null) {
            a = SimpleString.of(topic);
            if (addresses.size() < 10_000) {
                addresses.put(topic, a);
            }
        }
        return a;
    }

    static String queueName(String topic, String group) {
        return topic + "." + group;
    }

    /**
     * Makes sure the group's durable queue exists on the topic's address (creating both with auto-create). An
     * ephemeral group's queue is neither durable nor kept once its consumer is gone.
     *
     * @throws PolybusException when the queue is missing without auto-create, or exists on another address
     */
    void declareGroup(ClientSession session, String topic, String queue, boolean ephemeral) throws ActiveMQException {
        if (settings.autoCreate) {
            ensureAddress(session, topic);
            ensureQueue(session, topic, queue, ephemeral);
            return;
        }
        ClientSession.QueueQuery q = session.queueQuery(SimpleString.of(queue));
        if (!q.isExists()) {
            throw new PolybusException("queue '" + queue + "' does not exist on Artemis at " + settings.address()
                    + "; with auto-create=false create it first: a durable multicast queue on address '" + topic + "'");
        }
        checkAddress(q, topic, queue);
    }

    /** Creates the dead-letter topic's address and, with {@code dead-letter-queue}, the queue that keeps its messages. */
    void declareDeadLetter(ClientSession session, String deadLetterTopic) throws ActiveMQException {
        if (!settings.autoCreate) {
            return;
        }
        ensureAddress(session, deadLetterTopic);
        if (settings.deadLetterQueue) {
            ensureQueue(session, deadLetterTopic, deadLetterTopic, false);
        }
    }

    private void ensureAddress(ClientSession session, String name) throws ActiveMQException {
        SimpleString address = address(name);
        if (!session.addressQuery(address).isExists()) {
            try {
                session.createAddress(address, RoutingType.MULTICAST, false);
            } catch (ActiveMQAddressExistsException e) {
                log.debug("address '{}' was created meanwhile", name);
            }
        }
    }

    private void ensureQueue(ClientSession session, String address, String queue, boolean ephemeral) throws ActiveMQException {
        ClientSession.QueueQuery q = session.queueQuery(SimpleString.of(queue));
        if (q.isExists()) {
            checkAddress(q, address, queue);
            return;
        }
        try {
            QueueConfiguration group = QueueConfiguration.of(queue).setAddress(address).setRoutingType(RoutingType.MULTICAST)
                    .setDurable(!ephemeral).setAutoCreated(false).setGroupBuckets(settings.groupBuckets);
            if (ephemeral) {
                group.setAutoDelete(true).setAutoDeleteDelay(0L).setAutoDeleteMessageCount(-1L);
            }
            session.createQueue(group);
        } catch (ActiveMQQueueExistsException e) {
            checkAddress(session.queueQuery(SimpleString.of(queue)), address, queue);
        }
    }

    private void checkAddress(ClientSession.QueueQuery q, String address, String queue) {
        if (q.getAddress() != null && !q.getAddress().toString().equals(address)) {
            throw new PolybusException("queue '" + queue + "' on Artemis at " + settings.address() + " belongs to address '"
                    + q.getAddress() + "', not to topic '" + address + "'");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            locator.close();
        }
    }
}
