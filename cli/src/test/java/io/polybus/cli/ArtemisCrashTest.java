package io.polybus.cli;

import io.polybus.Config;
import io.polybus.artemis.SharedArtemis;
import org.junit.jupiter.api.extension.ExtendWith;

/** kill -9 on an agent shipping to a real Artemis that the test run starts (and outlives the agent's JVM). */
@ExtendWith(SharedArtemis.class)
class ArtemisCrashTest extends AgentCrashTest {
    @Override
    protected Config brokerConfig() {
        return SharedArtemis.config();
    }
}
