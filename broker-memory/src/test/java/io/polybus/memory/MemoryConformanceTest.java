package io.polybus.memory;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;

/** The whole contract against the memory broker. */
class MemoryConformanceTest extends BrokerConformanceSuite {
    @Override
    protected Config brokerConfig() {
        return Config.of("type", "memory", "name", "conformance");
    }
}
