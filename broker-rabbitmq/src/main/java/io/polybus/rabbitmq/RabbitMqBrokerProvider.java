package io.polybus.rabbitmq;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.rabbitmq.internal.RabbitBroker;
import io.polybus.rabbitmq.internal.RabbitSettings;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.Set;

/**
 * The {@code rabbitmq} broker: each topic is a durable topic exchange, each group a durable queue
 * {@code <topic>.<group>} bound to it, sends complete on publisher confirms and consumers settle with manual
 * acks. See {@code docs/rabbitmq.md} for the configuration keys and how each promise of the contract maps
 * onto RabbitMQ.
 *
 * <p>Cheap to construct: nothing connects before {@link #open}. Thread-safe.
 */
public final class RabbitMqBrokerProvider implements BrokerProvider {

    @Override
    public String type() {
        return RabbitSettings.TYPE;
    }

    @Override
    public String description() {
        return "RabbitMQ 3.x over AMQP 0-9-1 (topic exchanges, durable queues, publisher confirms)";
    }

    /** With the default configuration: classic queues shared by the consumers of a group. */
    @Override
    public Set<Capability> capabilities() {
        return RabbitSettings.DEFAULT_CAPABILITIES;
    }

    @Override
    public ConfigDef configDef() {
        return RabbitSettings.CONFIG;
    }

    /**
     * Connects to RabbitMQ.
     *
     * @throws io.polybus.BrokerUnavailableException naming host and port when RabbitMQ cannot be reached
     * @throws io.polybus.AuthenticationException    when RabbitMQ refuses the credentials
     * @throws io.polybus.ConfigException            naming a bad {@code rabbitmq.*} pass-through key
     */
    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return RabbitBroker.open(RabbitSettings.from(config), meters);
    }
}
