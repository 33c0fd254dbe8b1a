package io.polybus.agent;

import io.polybus.Config;

/** The agent's JVM is killed; the Kafka it ships to lives in the test's JVM and survives. */
class KafkaCrashTest extends AgentCrashTest {
    @Override
    protected Config brokerConfig() {
        return InProcessKafka.config();
    }
}
