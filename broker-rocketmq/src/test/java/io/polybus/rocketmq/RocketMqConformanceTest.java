package io.polybus.rocketmq;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.extension.ExtendWith;

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
}
