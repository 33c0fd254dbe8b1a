package io.polybus.spring.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Reports the broker: UP when a connection with the application's broker configuration can be opened now, DOWN
 * with the cause (host and port, never a password) when it cannot. Details: the broker type, its capabilities
 * and the listeners running. Each check opens and closes one connection, apart from the application's own.
 */
public final class BrokerHealthIndicator extends AbstractHealthIndicator {
    private final Broker broker;
    private final Config config;
    private final ListenerContainer listeners;

    public BrokerHealthIndicator(Broker broker, Config config, ListenerContainer listeners) {
        super("polybus broker health check failed");
        this.broker = broker;
        this.config = config;
        this.listeners = listeners;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("type", broker.type())
                .withDetail("capabilities", broker.capabilities())
                .withDetail("listeners", listeners.running().stream().map(r -> r.subscription().toString()).toList());
        try (Broker probe = Brokers.open(config, new SimpleMeterRegistry())) {
            builder.up();
        }
    }
}
