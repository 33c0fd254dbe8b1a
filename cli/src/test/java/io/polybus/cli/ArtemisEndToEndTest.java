package io.polybus.cli;

import io.polybus.Config;
import io.polybus.artemis.SharedArtemis;
import org.junit.jupiter.api.extension.ExtendWith;

/** End to end on a real Artemis that the test run starts; every run uses topics of its own. */
@ExtendWith(SharedArtemis.class)
class ArtemisEndToEndTest extends AgentEndToEndTest {
    @Override
    protected Config brokerConfig() {
        return SharedArtemis.config();
    }
}
