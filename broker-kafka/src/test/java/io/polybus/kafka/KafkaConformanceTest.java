package io.polybus.kafka;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole contract against a real (in-process) Kafka broker, shared by every test of the class. */
@ExtendWith(TestCluster.Shared.class)
class KafkaConformanceTest extends BrokerConformanceSuite {
    @Override
    protected Config brokerConfig() {
        return TestCluster.shared().config();
    }
}
