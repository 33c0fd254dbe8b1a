package io.polybus.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the topics and groups a test used and deletes what the provider declared for them: the topic
 * exchanges, the group queues, the dead-letter topics and their queues.
 */
final class TestTopology {
    /** The delay tiers of the conformance suite's delayed requeues and back-off, and of the behaviour tests. */
    private static final List<Long> DELAY_TIERS_MILLIS = List.of(300L, 600L, 1200L, 1400L, 1500L, 2000L);
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final Set<String> groups = ConcurrentHashMap.newKeySet();
    private final int port;

    TestTopology(int port) {
        this.port = port;
    }

    String topic(String name) {
        topics.add(name);
        return name;
    }

    String group(String name) {
        groups.add(name);
        return name;
    }

    void deleteAll() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        try (Connection connection = factory.newConnection("polybus-test-cleanup")) {
            Channel channel = connection.createChannel();
            for (String topic : topics) {
                for (String base : List.of(topic, topic + ".dlq", topic + ".dlq.dlq")) {
                    channel.exchangeDelete(base);
                    channel.queueDelete(base);
                    delete(channel, base, groups);
                }
            }
        }
        topics.clear();
        groups.clear();
    }

    private static void delete(Channel channel, String base, Collection<String> groups) throws Exception {
        for (String group : groups) {
            channel.queueDelete(base + "." + group);
            for (long tier : DELAY_TIERS_MILLIS) {
                channel.queueDelete(base + "." + group + ".delay-" + tier + "ms");
            }
        }
    }
}
