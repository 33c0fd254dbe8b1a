package io.polybus.zeromq.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.ClosedException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.DeliveryCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZContext;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Polybus on ZeroMQ, without a broker: producers connect XPUB sockets to the publisher endpoints, and this process's
 * consumers share one SUB socket bound to the subscriber endpoint (the {@link Hub}). It promises fan-out (every
 * consumer of a topic gets every message sent while it is connected) and per-key order (one connection keeps the
 * order of one producer); nothing else, see {@link #capabilities()}.
 */
public final class ZmqBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(ZmqBroker.class);
    /** Fan-out and order are all ZeroMQ pub/sub keeps; it stores nothing, acknowledges nothing and cannot share. */
    public static final Set<Capability> CAPABILITIES = Set.of(Capability.FANOUT, Capability.ORDERED_BY_KEY);

    final ZmqSettings settings;
    final ZContext context = new ZContext();
    private final MeterRegistry meters;
    private final Set<ZmqProducer> producers = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService maintenance;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Hub hub;
    private ZmqProducer deadLetters;

    private ZmqBroker(ZmqSettings settings, MeterRegistry meters) {
        this.settings = settings;
        this.meters = meters;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-zeromq-subscriptions");
            t.setDaemon(true);
            return t;
        });
        // Producers read their subscribers' subscriptions here between sends, so confirmations come back promptly.
        maintenance.scheduleWithFixedDelay(() -> producers.forEach(ZmqProducer::service), 5, 5, TimeUnit.MILLISECONDS);
    }

    /** Opens nothing on the network: sockets are made by the first producer and the first subscribe. */
    public static ZmqBroker open(ZmqSettings settings, MeterRegistry meters) {
        log.info("zeromq: consumers listen on {}, producers send to {}; capabilities {}", settings.subscriberEndpoint(),
                settings.publisherEndpoints(), CAPABILITIES);
        return new ZmqBroker(settings, meters);
    }

    @Override
    public String type() {
        return "zeromq";
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public long maxMessageBytes() {
        return settings.maxMessageBytes();
    }

    @Override
    public Producer producer(ProducerOptions options) {
        ensureOpen();
        ZmqProducer producer = new ZmqProducer(this, options);
        producers.add(producer);
        return producer;
    }

    void unregister(ZmqProducer producer) {
        producers.remove(producer);
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        ensureOpen();
        DeliveryCounters counters = DeliveryCounters.register(meters, "zeromq", options.topic(), options.group());
        Hub h = hub();
        ZmqConsumer consumer = new ZmqConsumer(this, options, handler, counters);
        try {
            h.add(consumer);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        return consumer;
    }

    synchronized Hub hub() {
        if (hub == null) {
            hub = new Hub(this);
        }
        return hub;
    }

    /** The producer consumers publish dead letters with, made on first use. */
    synchronized ZmqProducer deadLetters() {
        if (deadLetters == null) {
            deadLetters = new ZmqProducer(this, ProducerOptions.defaults());
            producers.add(deadLetters);
        }
        return deadLetters;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ClosedException("zeromq broker is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        maintenance.shutdownNow();
        synchronized (this) {
            if (deadLetters != null) {
                deadLetters.close();
            }
            if (hub != null) {
                hub.close();
            }
        }
        producers.forEach(ZmqProducer::close);
        context.close();
    }
}
