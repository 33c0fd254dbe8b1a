package io.polybus.artemis;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole contract against a real Artemis of the module's own (a durable multicast address per topic, a
 * durable queue per group, message groups keeping one key on one consumer).
 */
@ExtendWith(SharedArtemis.class)
class ArtemisConformanceTest extends BrokerConformanceSuite {
    @Override
    protected Config brokerConfig() {
        return SharedArtemis.config();
    }
}
