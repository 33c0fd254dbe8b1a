package io.polybus.memory;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.memory.internal.MemoryBroker;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code memory} broker: an in-process broker that keeps the whole contract except durability and
 * replay. Brokers opened with the same {@code name} in one JVM share their topics, so an agent and a
 * monitor in one process talk through it. Messages live only while some broker of that name is open.
 */
public final class MemoryBrokerProvider implements BrokerProvider {
    static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(Capability.FANOUT, Capability.ORDERED_BY_KEY,
            Capability.DEAD_LETTER, Capability.PARTITIONED, Capability.AT_LEAST_ONCE,
            Capability.DELAYED_REQUEUE));

    private static final ConfigDef CONFIG = ConfigDef.builder("memory")
            .define(MemoryBroker.NAME, Type.STRING, "default", ConfigDef.nonEmpty(),
                    "In-process broker instance; brokers opened with the same name share topics.")
            .define(MemoryBroker.MAX_MESSAGE_BYTES, Type.SIZE, "8MiB", ConfigDef.between(1, Integer.MAX_VALUE),
                    "Largest message (key + payload + headers) accepted.")
            .define(MemoryBroker.MAX_GROUP_BYTES, Type.SIZE, null, ConfigDef.atLeast(1),
                    "Bytes a group holds before producers wait (or fail, per their backpressure option); default: 1/"
                            + MemoryBroker.HEAP_FRACTION + " of the JVM's maximum heap (about 16MiB with the"
                            + " agent's `-Xmx128m`), so that the messages a lagging group keeps cannot fill the heap.")
            .define(MemoryBroker.PARTITIONS, Type.INT, "16", ConfigDef.between(1, 4096),
                    "Key partitions per group; the consumers of a group share them, so this caps useful consumers.")
            .build();

    @Override
    public String type() {
        return "memory";
    }

    @Override
    public String description() {
        return "in-process broker, embedded default (not durable)";
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public ConfigDef configDef() {
        return CONFIG;
    }

    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return new MemoryBroker(config, meters, CAPABILITIES);
    }
}
