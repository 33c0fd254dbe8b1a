package io.polybus.agent.internal;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.cli.internal.MetricsConfig;
import io.polybus.events.PipelineHealth;

import java.time.Clock;

/**
 * Wires the agent from its settings: the broker named by the {@code broker} section, the checkpoint store,
 * the meters (in the registry the application gives) and the shipper.
 */
public final class AgentModule extends AbstractModule {
    private final Settings settings;
    private final MeterRegistry registry;

    public AgentModule(Settings settings, MeterRegistry registry) {
        this.settings = settings;
        this.registry = registry;
    }

    @Override
    protected void configure() {
        bind(Settings.class).toInstance(settings);
        bind(MeterRegistry.class).toInstance(registry);
    }

    @Provides
    @Singleton
    Broker broker() {
        return Brokers.open(settings.broker(), registry);
    }

    @Provides
    @Singleton
    AgentMetrics metrics(Broker broker) {
        MetricsConfig health = settings.metrics().orElseGet(MetricsConfig::defaults);
        return new AgentMetrics(registry, broker.type(), new PipelineHealth("agent", Clock.systemUTC(),
                health.brokerDownAfter(), health.ackStuckAfter()));
    }

    @Provides
    @Singleton
    Shipper shipper(Broker broker, AgentMetrics metrics) {
        return new Shipper(broker, settings.delivery(), metrics);
    }

    @Provides
    @Singleton
    CheckpointStore checkpointStore() {
        return new CheckpointStore(settings.checkpoints() ? settings.dataDir() : null, settings.checkpointExpiry());
    }
}
