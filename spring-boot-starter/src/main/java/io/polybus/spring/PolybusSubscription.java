package io.polybus.spring;

import io.polybus.BatchHandler;
import io.polybus.BatchOptions;
import io.polybus.Broker;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;

import java.util.Objects;

/**
 * A listener declared as a bean: every bean of this type is subscribed to the {@link Broker} bean when the
 * application context starts, and closed when it stops. Immutable.
 *
 * <pre>{@code
 * @Bean
 * PolybusSubscription orders(OrderService service) {
 *     return PolybusSubscription.of(ConsumerOptions.builder("orders", "billing").ackMode(AckMode.AUTO).build(),
 *             delivery -> service.bill(delivery.message()));
 * }
 * }</pre>
 */
public final class PolybusSubscription {
    private final ConsumerOptions options;
    private final DeliveryHandler handler;
    private final BatchOptions batch;
    private final BatchHandler batchHandler;

    private PolybusSubscription(ConsumerOptions options, DeliveryHandler handler, BatchOptions batch, BatchHandler batchHandler) {
        this.options = Objects.requireNonNull(options, "options");
        this.handler = handler;
        this.batch = batch;
        this.batchHandler = batchHandler;
    }

    /** One delivery per handler call. */
    public static PolybusSubscription of(ConsumerOptions options, DeliveryHandler handler) {
        return new PolybusSubscription(options, Objects.requireNonNull(handler, "handler"), null, null);
    }

    /** Batches of deliveries per handler call ({@link Broker#subscribe(ConsumerOptions, BatchOptions, BatchHandler)}). */
    public static PolybusSubscription ofBatches(ConsumerOptions options, BatchOptions batch, BatchHandler handler) {
        return new PolybusSubscription(options, null, Objects.requireNonNull(batch, "batch"),
                Objects.requireNonNull(handler, "handler"));
    }

    public ConsumerOptions options() {
        return options;
    }

    /**
     * Subscribes to {@code broker}.
     *
     * @throws io.polybus.UnsupportedCapabilityException when the options require a capability the broker lacks
     */
    public Consumer subscribe(Broker broker) {
        return batch == null ? broker.subscribe(options, handler) : broker.subscribe(options, batch, batchHandler);
    }

    @Override
    public String toString() {
        return "group '" + options.group() + "' on topic '" + options.topic() + "'" + (batch == null ? "" : " in batches");
    }
}
