package io.polybus.redis;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole contract against the shared Redis in list mode (no fan-out, no replay: asserted as refused). A short visibility timeout makes redelivery
 * after a consumer vanished quick.
 */
class RedisListConformanceTest extends BrokerConformanceSuite {
    private static final String PREFIX = SharedRedis.newPrefix("list");

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "redis", "mode", "list", "host", SharedRedis.HOST, "port", Integer.toString(SharedRedis.PORT),
                "key-prefix", PREFIX, "visibility-timeout", "1s", "poll-timeout", "200ms");
    }

    @AfterAll
    static void deleteLists() {
        SharedRedis.deleteKeys(PREFIX);
    }
}
