package io.polybus.cli;

import io.polybus.Config;
import org.junit.jupiter.api.AfterEach;

/** kill -9 on an agent shipping to the shared RabbitMQ; the test's exchanges and queues are deleted after it. */
class RabbitMqCrashTest extends AgentCrashTest {
    private final RabbitMqBrokerForTests rabbit = new RabbitMqBrokerForTests();

    @Override
    protected Config brokerConfig() {
        return rabbit.config();
    }

    @Override
    protected String newTopic() {
        return rabbit.remember(super.newTopic());
    }

    @AfterEach
    void cleanUp() throws Exception {
        rabbit.cleanUp("crash-check");
    }
}
