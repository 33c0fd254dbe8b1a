package io.polybus.bench.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One thing to benchmark: a broker type through one client.
 *
 * @param broker the broker type, as Polybus names it ({@code memory}, {@code kafka}, ...)
 * @param client {@link #POLYBUS} or {@link #RAW}
 */
public record Target(String broker, String client) {
    public static final String POLYBUS = "polybus";
    public static final String RAW = "raw";

    /** Broker types with a raw-client baseline. */
    public static final Set<String> RAW_BROKERS = Set.of("kafka", "rabbitmq", "redis", "mqtt", "zeromq");

    @Override
    public String toString() {
        return broker + "/" + client;
    }

    /**
     * Opens the driver for this target with the workload's settings for its broker.
     *
     * @throws Exception when the broker cannot be reached or the settings are wrong
     */
    public Driver open(Workload workload) throws Exception {
        Map<String, Object> settings = workload.broker(broker);
        if (POLYBUS.equals(client)) {
            Map<String, Object> provider = new LinkedHashMap<>();
            if (settings.get(POLYBUS) instanceof Map<?, ?> m) {
                m.forEach((k, v) -> provider.put(String.valueOf(k), v));
            }
            return new PolybusDriver(broker, provider, workload.carryIds(),
                    RAW_BROKERS.contains(broker) ? () -> raw(settings) : null);
        }
        return raw(settings);
    }

    private Driver raw(Map<String, Object> settings) throws Exception {
        return switch (broker) {
            case "kafka" -> new KafkaRawDriver(settings);
            case "rabbitmq" -> new RabbitRawDriver(settings);
            case "redis" -> new RedisRawDriver(settings);
            case "mqtt" -> new MqttRawDriver(settings);
            case "zeromq" -> new ZeroMqRawDriver(settings);
            default -> throw new IllegalArgumentException("no raw baseline for broker " + broker
                    + "; raw baselines exist for " + RAW_BROKERS);
        };
    }
}
