package io.polybus.cli;

import io.polybus.Config;
import org.junit.jupiter.api.AfterEach;

class NatsCrashTest extends AgentCrashTest {
    private final NatsBrokerForTests nats = new NatsBrokerForTests();

    @Override
    protected Config brokerConfig() {
        return nats.config();
    }

    @AfterEach
    void cleanUp() throws Exception {
        nats.cleanUp();
    }
}
