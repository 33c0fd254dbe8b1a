package io.polybus.agent;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.polybus.Config;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;

/** End to end on the shared RabbitMQ at 127.0.0.1:5672; the test's exchanges and queues are deleted after it. */
class RabbitMqEndToEndTest extends AgentEndToEndTest {
    private final List<String> topics = new ArrayList<>();

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", "5672");
    }

    @Override
    protected String newTopic() {
        String topic = super.newTopic();
        topics.add(topic);
        return topic;
    }

    @AfterEach
    void deleteTopology() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            for (String topic : topics) {
                channel.queueDelete(topic + ".e2e-check");
                channel.queueDelete(topic + ".dlq");
                channel.exchangeDelete(topic + ".dlq");
                channel.exchangeDelete(topic);
            }
        }
    }
}
