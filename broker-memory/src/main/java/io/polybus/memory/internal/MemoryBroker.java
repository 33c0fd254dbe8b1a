package io.polybus.memory.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.ProviderConfig;

import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/** One open handle on the engine of its configured name. */
public final class MemoryBroker implements Broker {
    public static final String NAME = "name";
    public static final String MAX_MESSAGE_BYTES = "max-message-bytes";
    public static final String MAX_GROUP_BYTES = "max-group-bytes";
    public static final String PARTITIONS = "partitions";
    /**
     * The default {@link #MAX_GROUP_BYTES} is the JVM's maximum heap divided by this: a group's messages cost their
     * bytes and about as much again in objects, and the process around the broker (an agent, a monitor, a consumer's
     * prefetch) needs the rest.
     */
    public static final int HEAP_FRACTION = 8;

    private final Engine engine;
    private final MeterRegistry meters;
    private final Set<Capability> capabilities;
    private final long maxMessageBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    public MemoryBroker(ProviderConfig config, MeterRegistry meters, Set<Capability> capabilities) {
        this.engine = Engine.acquire(config.getString(NAME), config.getInt(PARTITIONS), maxGroupBytes(config));
        this.meters = meters;
        this.capabilities = capabilities;
        this.maxMessageBytes = config.getSize(MAX_MESSAGE_BYTES);
    }

    /** {@link #MAX_GROUP_BYTES} as set, else {@link #HEAP_FRACTION} of the heap this JVM may grow to. */
    static long maxGroupBytes(ProviderConfig config) {
        return config.has(MAX_GROUP_BYTES) ? config.getSize(MAX_GROUP_BYTES)
                : Math.max(1, Runtime.getRuntime().maxMemory() / HEAP_FRACTION);
    }

    @Override
    public String type() {
        return "memory";
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    @Override
    public Producer producer(ProducerOptions options) {
        return new MemoryProducer(engine, options, maxMessageBytes);
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        Group group = engine.topic(options.topic()).group(options.group());
        MemoryConsumer consumer = new MemoryConsumer(group, engine, options, handler,
                DeliveryCounters.register(meters, "memory", options.topic(), options.group()));
        consumer.start();
        return consumer;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            engine.release();
        }
    }
}
