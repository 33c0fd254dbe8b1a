package io.polybus.cli;

import io.polybus.Config;
import io.polybus.rocketmq.SharedRocketMq;
import org.junit.jupiter.api.extension.ExtendWith;

/** kill -9 on an agent shipping to a real RocketMQ that the test run starts (and outlives the agent's JVM). */
@ExtendWith(SharedRocketMq.class)
class RocketMqCrashTest extends AgentCrashTest {
    @Override
    protected Config brokerConfig() {
        return SharedRocketMq.config();
    }
}
