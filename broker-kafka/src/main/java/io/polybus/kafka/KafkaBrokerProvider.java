package io.polybus.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.kafka.internal.KafkaBroker;
import io.polybus.kafka.internal.KafkaSettings;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code kafka} broker: keeps the whole contract on an Apache Kafka cluster through kafka-clients.
 * Topics are Kafka topics (created on first use unless {@code create-topics=false}), groups are consumer
 * groups, a message's key picks its partition. Acks commit the highest contiguous acknowledged offset of each
 * partition; a requeued message is re-published to the group's retry topic {@code <topic>.retry.<group>} with
 * its attempt count in a header; dead letters go to {@code <topic>.dlq}. See docs/kafka.md for the keys.
 *
 * <p>Found by {@link java.util.ServiceLoader}; constructing it opens nothing. {@link #open} connects (bounded by
 * {@code connect-timeout}) and throws {@link io.polybus.BrokerUnavailableException} naming the bootstrap
 * servers when no broker answers, or {@link io.polybus.ConfigException} naming a bad {@code kafka.*} key.
 */
public final class KafkaBrokerProvider implements BrokerProvider {
    static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(Capability.FANOUT, Capability.DURABLE,
            Capability.REPLAY, Capability.ORDERED_BY_KEY, Capability.PARTITIONED, Capability.DEAD_LETTER,
            Capability.AT_LEAST_ONCE, Capability.DELAYED_REQUEUE));

    @Override
    public String type() {
        return KafkaSettings.TYPE;
    }

    @Override
    public String description() {
        return "Apache Kafka (kafka-clients " + KafkaSettings.clientVersion() + ")";
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public ConfigDef configDef() {
        return KafkaSettings.CONFIG;
    }

    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return KafkaBroker.open(new KafkaSettings(config), meters, CAPABILITIES);
    }
}
