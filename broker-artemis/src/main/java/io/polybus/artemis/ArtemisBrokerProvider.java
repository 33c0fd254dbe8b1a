package io.polybus.artemis;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.artemis.internal.ArtemisBroker;
import io.polybus.artemis.internal.ArtemisSettings;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.Set;

/**
 * The {@code artemis} broker: each topic is a multicast address, each group a durable queue
 * {@code <topic>.<group>} bound to it, keys travel as message group ids (one key, one consumer of a group at a
 * time), sends complete on the broker's asynchronous acknowledgement and consumers ack what their handlers settled.
 * See {@code docs/artemis.md} for the configuration keys and how each promise of the contract maps onto Artemis.
 *
 * <p>Cheap to construct: nothing connects before {@link #open}. Thread-safe.
 */
public final class ArtemisBrokerProvider implements BrokerProvider {

    @Override
    public String type() {
        return ArtemisSettings.TYPE;
    }

    @Override
    public String description() {
        return "ActiveMQ Artemis 2.x over the core protocol (multicast addresses, durable queues, message groups)";
    }

    /** With the default configuration: durable messages and message groups. */
    @Override
    public Set<Capability> capabilities() {
        return ArtemisSettings.DEFAULT_CAPABILITIES;
    }

    @Override
    public ConfigDef configDef() {
        return ArtemisSettings.CONFIG;
    }

    /**
     * Connects to Artemis.
     *
     * @throws io.polybus.BrokerUnavailableException naming host and port when Artemis cannot be reached
     * @throws io.polybus.AuthenticationException    when Artemis refuses the credentials
     * @throws io.polybus.ConfigException            naming a bad {@code artemis.*} pass-through key
     */
    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return ArtemisBroker.open(ArtemisSettings.from(config), meters);
    }
}
