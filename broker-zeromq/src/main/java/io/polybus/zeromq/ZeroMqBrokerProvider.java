package io.polybus.zeromq;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;
import io.polybus.zeromq.internal.ZmqBroker;
import io.polybus.zeromq.internal.ZmqSettings;

import java.util.Set;

/**
 * The {@code zeromq} broker: no broker at all, ZeroMQ PUB/SUB through JeroMQ (pure Java). Consumers of a process
 * listen on one endpoint, producers connect to the endpoints of the consuming processes, and a topic is a
 * subscription prefix. It keeps fan-out and per-key order and nothing else: no acknowledgement reaches a producer,
 * nothing is stored (no {@link Capability#AT_LEAST_ONCE}, {@link Capability#DURABLE} or {@link Capability#REPLAY}),
 * a group is one consumer (no {@link Capability#PARTITIONED}) and dead letters are best effort (no
 * {@link Capability#DEAD_LETTER}). It is here so that a comparison shows what a broker buys.
 *
 * <p>Every key is listed by {@link #configDef()} and in {@code docs/zeromq.md}. Neither construction nor
 * {@link #open} touches the network.
 */
public final class ZeroMqBrokerProvider implements BrokerProvider {

    @Override
    public String type() {
        return "zeromq";
    }

    @Override
    public String description() {
        return "ZeroMQ PUB/SUB without a broker (JeroMQ): fan-out only, nothing stored";
    }

    @Override
    public Set<Capability> capabilities() {
        return ZmqBroker.CAPABILITIES;
    }

    @Override
    public ConfigDef configDef() {
        return ZmqSettings.DEFINITION;
    }

    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return ZmqBroker.open(ZmqSettings.from(config), meters);
    }
}
