package io.polybus.cli;

import io.polybus.Config;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(InProcessKafka.class)
class KafkaEndToEndTest extends AgentEndToEndTest {
    @Override
    protected Config brokerConfig() {
        return InProcessKafka.config();
    }
}
