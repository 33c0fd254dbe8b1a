package io.polybus.rocketmq;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.rocketmq.internal.RocketMqBroker;
import io.polybus.rocketmq.internal.RocketMqSettings;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.Set;

/**
 * The {@code rocketmq} broker: each topic is a RocketMQ topic, each group a consumer group in clustering mode that
 * consumes the topic's queues in order (one queue at a time per member), keys choose the queue a message goes to
 * (so one key keeps its order), sends complete when the broker answered {@code SEND_OK}, and a queue's consumed
 * offset moves only past messages whose deliveries were all settled. See {@code docs/rocketmq.md} for the
 * configuration keys and how each promise of the contract maps onto RocketMQ.
 *
 * <p>Cheap to construct: nothing connects before {@link #open}. Thread-safe.
 */
public final class RocketMqBrokerProvider implements BrokerProvider {

    @Override
    public String type() {
        return RocketMqSettings.TYPE;
    }

    @Override
    public String description() {
        return "Apache RocketMQ 5.x over its remoting protocol (topics, clustering consumer groups, orderly queues)";
    }

    @Override
    public Set<Capability> capabilities() {
        return RocketMqSettings.CAPABILITIES;
    }

    @Override
    public ConfigDef configDef() {
        return RocketMqSettings.CONFIG;
    }

    /**
     * Connects to the name server, checks that it knows a broker and that each broker accepts the credentials.
     *
     * @throws io.polybus.BrokerUnavailableException naming the name server when it cannot be reached or knows no broker
     * @throws io.polybus.AuthenticationException    naming the broker that refused the credentials (or their absence)
     * @throws io.polybus.ConfigException            naming a bad {@code rocketmq.*} pass-through key, or {@code tls}
     */
    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return RocketMqBroker.open(RocketMqSettings.from(config), meters);
    }
}
