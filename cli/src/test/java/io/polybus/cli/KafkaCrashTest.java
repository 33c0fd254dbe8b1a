package io.polybus.cli;

import io.polybus.Config;
import org.junit.jupiter.api.extension.ExtendWith;

/** The agent's JVM is killed; the Kafka it ships to lives in the test's JVM and survives. */
@ExtendWith(InProcessKafka.class)
class KafkaCrashTest extends AgentCrashTest {
    @Override
    protected Config brokerConfig() {
        return InProcessKafka.config();
    }
}
