package io.polybus.spi;

import io.polybus.Broker;
import io.polybus.Capability;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Set;

/**
 * A broker module's entry point, found with {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/io.polybus.spi.BrokerProvider}. Construction must be cheap and open no
 * connection: {@link io.polybus.Brokers#available()} instantiates every provider on the class path.
 *
 * <p>{@link io.polybus.Brokers#open} parses the configuration with {@link #configDef()} before calling
 * {@link #open}, and wraps the returned broker: required capabilities are checked, handler exceptions and
 * {@link io.polybus.AckMode#AUTO} are applied, and closing the broker closes what it made. A provider
 * implements only the broker mechanics.
 */
public interface BrokerProvider {

    /** The value of the {@code type} key that selects this provider, e.g. {@code kafka}. */
    String type();

    /** One line for people. */
    String description();

    /** What the broker can promise with its default configuration. */
    Set<Capability> capabilities();

    /** Every configuration key this provider accepts. */
    ConfigDef configDef();

    /**
     * Connects to the broker.
     *
     * @param config valid configuration, parsed with {@link #configDef()}
     * @param meters where to register the module's meters
     * @throws io.polybus.BrokerUnavailableException when the broker cannot be reached (naming host and port)
     */
    Broker open(ProviderConfig config, MeterRegistry meters);
}
