package io.polybus.redis;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole contract against the shared Redis in streams mode. A short visibility timeout makes redelivery
 * after a consumer vanished quick.
 */
class RedisStreamsConformanceTest extends BrokerConformanceSuite {
    private static final String PREFIX = SharedRedis.newPrefix("streams");

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "redis", "host", SharedRedis.HOST, "port", Integer.toString(SharedRedis.PORT),
                "key-prefix", PREFIX, "visibility-timeout", "1s", "poll-timeout", "200ms");
    }

    @AfterAll
    static void deleteStreams() {
        SharedRedis.deleteKeys(PREFIX);
    }
}
