package io.polybus.spi;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The outcome counters of one consumer, meter {@code polybus.consumer.outcomes} tagged with broker, topic,
 * group and outcome ({@code ack}, {@code requeue}, {@code dead_letter}, {@code dropped}).
 */
public final class DeliveryCounters {
    final Counter acked;
    final Counter requeued;
    final Counter deadLettered;
    final Counter dropped;

    private DeliveryCounters(MeterRegistry registry, String broker, String topic, String group) {
        acked = counter(registry, broker, topic, group, "ack");
        requeued = counter(registry, broker, topic, group, "requeue");
        deadLettered = counter(registry, broker, topic, group, "dead_letter");
        dropped = counter(registry, broker, topic, group, "dropped");
    }

    public static DeliveryCounters register(MeterRegistry registry, String broker, String topic, String group) {
        return new DeliveryCounters(registry, broker, topic, group);
    }

    private static Counter counter(MeterRegistry registry, String broker, String topic, String group, String outcome) {
        return Counter.builder("polybus.consumer.outcomes")
                .description("Deliveries settled by consumers, by outcome")
                .tags("broker", broker, "topic", topic, "group", group, "outcome", outcome)
                .register(registry);
    }

    public double acked() {
        return acked.count();
    }

    public double requeued() {
        return requeued.count();
    }

    public double deadLettered() {
        return deadLettered.count();
    }

    public double dropped() {
        return dropped.count();
    }
}
