package io.polybus.cli;

import io.polybus.Config;
import org.junit.jupiter.api.AfterEach;

/** End to end on the shared RabbitMQ at 127.0.0.1:5672; the test's exchanges and queues are deleted after it. */
class RabbitMqEndToEndTest extends AgentEndToEndTest {
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
        rabbit.cleanUp("e2e-check");
    }
}
