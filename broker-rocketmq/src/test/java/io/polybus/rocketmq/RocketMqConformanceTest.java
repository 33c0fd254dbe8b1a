package io.polybus.rocketmq;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

/**
 * The whole contract against a real RocketMQ of the module's own (a topic per topic, a clustering consumer group
 * per group, queues chosen by key and consumed in order).
 */
@ExtendWith(SharedRocketMq.class)
class RocketMqConformanceTest extends BrokerConformanceSuite {
    @Override
    protected Config brokerConfig() {
        return SharedRocketMq.config();
    }

    /**
     * A member that joins a group after another left gets its queues at its rebalance and must lock each for
     * orderly consumption; on a loaded machine that took longer than the suite's 30 s.
     */
    @Override
    protected Duration awaitTimeout() {
        return Duration.ofSeconds(90);
    }
}
