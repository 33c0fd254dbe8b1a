package io.polybus.bench.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A broker's raw-client baseline: the keys of its settings under {@code brokers.<type>}, how to open its driver,
 * and where it connects (for {@code --start-brokers}). Adding a broker's baseline is one entry in {@link #ALL}.
 *
 * @param type    the broker type, as Polybus names it
 * @param keys    the driver's settings (each includes {@link BrokerSettings#polybus})
 * @param open    opens the driver from parsed settings
 * @param address      where the raw client connects (its first server), or null for a brokerless one
 * @param portVariable the variable {@code scripts/brokers up <type>} reads the port from, or null
 */
record RawBaseline(String type, ConfigDef keys, Opener open, Function<ProviderConfig, InetSocketAddress> address,
                   String portVariable) {

    /** Opens a raw driver. */
    @FunctionalInterface
    interface Opener {
        Driver open(ProviderConfig settings) throws Exception;
    }

    /** Every raw baseline, by broker type. */
    static final Map<String, RawBaseline> ALL = byType(
            new RawBaseline("kafka", KafkaRawDriver.KEYS, KafkaRawDriver::new,
                    s -> BrokerSettings.hostPort(s.getList("bootstrap-servers").get(0)), "KAFKA_PORT"),
            new RawBaseline("rabbitmq", RabbitRawDriver.KEYS, RabbitRawDriver::new, RawBaseline::hostAndPort, "RABBITMQ_NODE_PORT"),
            new RawBaseline("redis", RedisRawDriver.KEYS, RedisRawDriver::new, RawBaseline::hostAndPort, "REDIS_PORT"),
            new RawBaseline("nats", NatsRawDriver.KEYS, NatsRawDriver::new, NatsRawDriver::address, "NATS_PORT"),
            new RawBaseline("artemis", ArtemisRawDriver.KEYS, ArtemisRawDriver::new, RawBaseline::hostAndPort, "ARTEMIS_PORT"),
            new RawBaseline("rocketmq", RocketMqRawDriver.KEYS, RocketMqRawDriver::new,
                    s -> BrokerSettings.hostPort(s.getString("name-server").split(";")[0]), "ROCKETMQ_PORT"),
            new RawBaseline("mqtt", MqttRawDriver.KEYS, MqttRawDriver::new, RawBaseline::hostAndPort, "MQTT_PORT"),
            new RawBaseline("zeromq", ZeroMqRawDriver.KEYS, ZeroMqRawDriver::new, s -> null, null));

    /** The {@code host} and {@code port} keys of a driver's settings. */
    private static InetSocketAddress hostAndPort(ProviderConfig settings) {
        return InetSocketAddress.createUnresolved(settings.getString("host"), settings.getInt("port"));
    }

    private static Map<String, RawBaseline> byType(RawBaseline... baselines) {
        Map<String, RawBaseline> map = new TreeMap<>();
        for (RawBaseline b : baselines) {
            map.put(b.type(), b);
        }
        return Map.copyOf(map);
    }
}
