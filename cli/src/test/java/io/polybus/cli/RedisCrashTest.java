package io.polybus.cli;

import io.polybus.Config;
import org.junit.jupiter.api.AfterEach;

class RedisCrashTest extends AgentCrashTest {
    private final RedisBrokerForTests redis = new RedisBrokerForTests();

    @Override
    protected Config brokerConfig() {
        return redis.config();
    }

    @AfterEach
    void cleanUp() {
        redis.cleanUp();
    }
}
