package io.polybus.redis;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.redis.internal.Mode;
import io.polybus.redis.internal.RedisBroker;
import io.polybus.redis.internal.RedisSettings;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.Set;

/**
 * The {@code redis} broker, on Redis 6.2 or later through Jedis. The {@code mode} key picks how topics map
 * onto Redis, and with it what the broker promises (see {@link Broker#capabilities()} once opened):
 * <ul>
 *   <li>{@code streams} (default): a stream per topic and a consumer group per group; the whole contract,
 *       {@link Capability#DURABLE} only when the server runs with {@code appendonly yes};</li>
 *   <li>{@code list}: a reliable queue per topic (one group per topic, no fan-out, no replay);</li>
 *   <li>{@code pubsub}: channels, fire and forget: neither at-least-once nor durable.</li>
 * </ul>
 * Every key is listed by {@link #configDef()} and in {@code docs/redis.md}. Constructing the provider
 * opens no connection; {@link #open} connects and fails with a
 * {@link io.polybus.BrokerUnavailableException} naming host and port, or an
 * {@link io.polybus.AuthenticationException} when the server refuses the credentials.
 */
public final class RedisBrokerProvider implements BrokerProvider {

    @Override
    public String type() {
        return "redis";
    }

    @Override
    public String description() {
        return "Redis streams (default), list or pub/sub, with Jedis";
    }

    @Override
    public Set<Capability> capabilities() {
        return Mode.STREAMS.capabilities(false);
    }

    @Override
    public ConfigDef configDef() {
        return RedisSettings.DEFINITION;
    }

    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return RedisBroker.open(RedisSettings.from(config), meters);
    }
}
