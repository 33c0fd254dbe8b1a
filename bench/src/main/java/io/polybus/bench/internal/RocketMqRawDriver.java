package io.polybus.bench.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The raw Apache RocketMQ baseline on the remoting client, a client instance per producer and consumer, as Polybus
 * has. Producers send asynchronously ({@code send(msg, callback)}; with a key, to the queue the key's hash
 * chooses), at most {@code max-in-flight} unanswered. Consumers are push consumers in clustering mode with an orderly
 * listener (the same consumption model as Polybus: a queue at a time per member, batches of 32) that return
 * {@code SUCCESS} for every batch, starting from the first offset. Settings: {@link #KEYS}.
 */
final class RocketMqRawDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(RocketMqRawDriver.class);
    private static final MessageQueueSelector BY_KEY = (queues, message, hash) -> queues.get(Math.floorMod((Integer) hash, queues.size()));

    static final ConfigDef KEYS = BrokerSettings.builder("rocketmq")
            .define("name-server", ConfigDef.Type.STRING, "127.0.0.1:9876", ConfigDef.nonEmpty(),
                    "The raw clients' name server, `host:port`.")
            .define("max-in-flight", ConfigDef.Type.INT, "1000", ConfigDef.between(1, 50_000),
                    "Unanswered sends per producer, at most (the client queues at most 50,000 asynchronous sends).")
            .include(BrokerSettings.polybus("rocketmq"))
            .build();

    private final String nameServer;
    private final int maxInFlight;
    private final DefaultMQProducer admin;

    RocketMqRawDriver(ProviderConfig settings) throws Exception {
        this.nameServer = settings.getString("name-server");
        this.maxInFlight = settings.getInt("max-in-flight");
        this.admin = producer("bench-admin");
        admin.start();
    }

    private DefaultMQProducer producer(String role) {
        String name = role + "-" + UUID.randomUUID();
        DefaultMQProducer p = new DefaultMQProducer(name);
        p.setNamesrvAddr(nameServer);
        p.setInstanceName(name);
        return p;
    }

    /** RocketMQ names allow no dot; Polybus writes it {@code |}, and so does the baseline. */
    private static String name(String topic) {
        return topic.replace('.', '|');
    }

    @Override
    public void createTopics(List<String> topics, int partitions) throws Exception {
        for (String topic : topics) {
            admin.createTopic(TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, name(topic), partitions, null);
        }
        for (String topic : topics) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    admin.fetchPublishMessageQueues(name(topic));
                    break;
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline) {
                        throw notYet;
                    }
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            }
        }
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(name(topic) + "|" + group);
        c.setNamesrvAddr(nameServer);
        c.setInstanceName("bench-consumer-" + UUID.randomUUID());
        c.setMessageModel(MessageModel.CLUSTERING);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setConsumeMessageBatchMaxSize(32);
        c.subscribe(name(topic), "*");
        c.registerMessageListener((MessageListenerOrderly) (messages, context) -> {
            for (MessageExt m : messages) {
                sink.receive(m.getBody());
            }
            return ConsumeOrderlyStatus.SUCCESS;
        });
        c.start();
        return c::shutdown;
    }

    @Override
    public Publisher publisher(String topic) throws Exception {
        DefaultMQProducer producer = producer("bench-producer");
        producer.start();
        Semaphore inFlight = new Semaphore(maxInFlight);
        String rocketTopic = name(topic);
        return new Publisher() {
            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) throws Exception {
                inFlight.acquire();
                org.apache.rocketmq.client.producer.SendCallback callback = new org.apache.rocketmq.client.producer.SendCallback() {
                    @Override
                    public void onSuccess(SendResult result) {
                        inFlight.release();
                        done.done(result.getSendStatus() == SendStatus.SEND_OK ? null
                                : new IllegalStateException("RocketMQ answered " + result.getSendStatus()));
                    }

                    @Override
                    public void onException(Throwable e) {
                        inFlight.release();
                        done.done(e);
                    }
                };
                Message m = new Message(rocketTopic, payload);
                try {
                    if (key == null) {
                        producer.send(m, callback);
                    } else {
                        producer.send(m, BY_KEY, Arrays.hashCode(key), callback);
                    }
                } catch (Exception e) {
                    inFlight.release();
                    throw e;
                }
            }

            @Override
            public void flush() throws Exception {
                if (!inFlight.tryAcquire(maxInFlight, 60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("RocketMQ did not answer every send within 60 s");
                }
                inFlight.release(maxInFlight);
            }

            @Override
            public void close() {
                producer.shutdown();
            }
        };
    }

    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        var client = admin.getDefaultMQProducerImpl().getMqClientFactory();
        for (String topic : topics) {
            try {
                client.updateTopicRouteInfoFromNameServer(name(topic));
                for (MessageQueue mq : admin.fetchPublishMessageQueues(name(topic))) {
                    String address = client.findBrokerAddressInPublish(mq.getBrokerName());
                    if (address != null) {
                        client.getMQClientAPIImpl().deleteTopicInBroker(address, name(topic), 10_000);
                        break;
                    }
                }
                for (String ns : nameServer.split(";")) {
                    client.getMQClientAPIImpl().deleteTopicInNameServer(ns, name(topic), 10_000);
                }
            } catch (Exception e) {
                LOG.warn("could not delete topic {} on RocketMQ {}: {}", topic, nameServer, e.toString());
            }
        }
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "rocketmq-client " + MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION));
        p.put("name-server", nameServer);
        p.put("producer", "asynchronous send, keyed sends to the key's queue, max-in-flight " + maxInFlight);
        p.put("consumer", "push consumer, clustering, orderly listener, batches of 32, from the first offset");
        return p;
    }

    @Override
    public void close() {
        admin.shutdown();
    }
}
