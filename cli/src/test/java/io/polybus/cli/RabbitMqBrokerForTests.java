package io.polybus.cli;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.polybus.Config;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** The shared RabbitMQ at 127.0.0.1:5672; {@link #cleanUp} deletes the exchanges and queues of the topics handed out. */
final class RabbitMqBrokerForTests {
    private final List<String> topics = new ArrayList<>();

    Config config() {
        return Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", "5672");
    }

    String remember(String topic) {
        topics.add(topic);
        return topic;
    }

    /** Deletes each topic's exchange, its dead-letter exchange and queue, and the queue of {@code group}. */
    void cleanUp(String group) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            for (String topic : topics) {
                channel.queueDelete(topic + "." + group);
                channel.queueDelete(topic + ".dlq");
                channel.exchangeDelete(topic + ".dlq");
                channel.exchangeDelete(topic);
            }
        }
    }
}
