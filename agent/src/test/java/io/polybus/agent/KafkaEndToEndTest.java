package io.polybus.agent;

import io.polybus.Config;

class KafkaEndToEndTest extends AgentEndToEndTest {
    @Override
    protected Config brokerConfig() {
        return InProcessKafka.config();
    }
}
