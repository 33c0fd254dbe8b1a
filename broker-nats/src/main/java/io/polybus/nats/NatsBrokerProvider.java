package io.polybus.nats;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.nats.internal.NatsBroker;
import io.polybus.nats.internal.NatsSettings;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.Set;

/**
 * The {@code nats} broker, on NATS 2.9 or later with JetStream, through jnats: a stream per topic, a durable pull
 * consumer per group. With the default settings (file storage, limits retention) it keeps the whole contract;
 * {@code stream.storage: memory} drops {@link Capability#DURABLE} and {@code stream.retention: interest} drops
 * {@link Capability#REPLAY} (see {@link Broker#capabilities()} once opened). Every key is listed by
 * {@link #configDef()} and in {@code docs/nats.md}. Constructing the provider opens no connection; {@link #open}
 * connects and fails with a {@link io.polybus.BrokerUnavailableException} naming the servers, or an
 * {@link io.polybus.AuthenticationException} when the server refuses the credentials.
 */
public final class NatsBrokerProvider implements BrokerProvider {

    @Override
    public String type() {
        return "nats";
    }

    @Override
    public String description() {
        return "NATS JetStream: a stream per topic, a durable pull consumer per group, with jnats";
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.FANOUT, Capability.DURABLE, Capability.REPLAY, Capability.ORDERED_BY_KEY,
                Capability.DEAD_LETTER, Capability.PARTITIONED, Capability.AT_LEAST_ONCE, Capability.DELAYED_REQUEUE);
    }

    @Override
    public ConfigDef configDef() {
        return NatsSettings.DEFINITION;
    }

    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return NatsBroker.open(NatsSettings.from(config), meters);
    }
}
