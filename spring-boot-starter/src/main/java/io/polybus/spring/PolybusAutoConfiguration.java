package io.polybus.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Producer;
import io.polybus.spring.internal.BrokerHealthIndicator;
import io.polybus.spring.internal.BrokerSection;
import io.polybus.spring.internal.ListenerContainer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Polybus beans: the {@link Broker} that {@code polybus.broker.*} describes (its meters in the
 * application's {@link MeterRegistry} when there is one), a {@link Producer}, the listener container, and with
 * Actuator a {@code polybus} health indicator. Each bean backs off when the application defines its own.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"})
@EnableConfigurationProperties(PolybusProperties.class)
public class PolybusAutoConfiguration {

    /**
     * The broker {@code polybus.broker.*} describes.
     *
     * @throws io.polybus.ConfigException naming every bad key as {@code polybus.broker.<key>}
     * @throws io.polybus.BrokerUnavailableException naming host and port when the broker cannot be reached
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Broker polybusBroker(PolybusProperties properties, ObjectProvider<MeterRegistry> meters) {
        return Brokers.open(brokerConfig(properties), meters.getIfUnique(() -> Metrics.globalRegistry));
    }

    /** A producer with the default options, closed (after its in-flight sends) with the context. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Producer polybusProducer(Broker broker) {
        return broker.producer();
    }

    /** Subscribes {@link PolybusListener} methods and {@link PolybusSubscription} beans with the context. */
    @Bean
    public static ListenerContainer polybusListenerContainer() {
        return new ListenerContainer();
    }

    static Config brokerConfig(PolybusProperties properties) {
        return BrokerSection.config(properties.getBroker());
    }

    /** The {@code polybus} health indicator, with Actuator on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("polybus")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "polybusHealthIndicator")
        HealthIndicator polybusHealthIndicator(Broker broker, PolybusProperties properties, ListenerContainer listeners) {
            return new BrokerHealthIndicator(broker, brokerConfig(properties), listeners);
        }
    }
}
