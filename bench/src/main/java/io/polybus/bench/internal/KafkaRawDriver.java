package io.polybus.bench.internal;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The raw Kafka baseline: a plain {@link KafkaProducer} (acks=all, idempotent, linger 5 ms, 64 KiB batches)
 * and a plain {@link KafkaConsumer} per consumer, committing asynchronously after each poll. Settings:
 * {@link #KEYS}.
 */
final class KafkaRawDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRawDriver.class);
    private static final int ASSIGNMENT_TIMEOUT_SECONDS = 60;

    private final String bootstrap;
    private final Map<String, Object> producerProps = new LinkedHashMap<>();
    private final Map<String, Object> consumerProps = new LinkedHashMap<>();
    private final Admin admin;

    /** The keys under {@code brokers.kafka}. */
    static final ConfigDef KEYS = BrokerSettings.builder("kafka")
            .define("bootstrap-servers", ConfigDef.Type.LIST, "localhost:9092", BrokerSettings.HOST_PORTS,
                    "The raw clients' Kafka brokers, `host:port`, comma-separated or a list.")
            .define("producer", ConfigDef.Type.MAP, null,
                    "Kafka producer properties over the raw producer's (acks=all, idempotent, linger.ms 5, "
                            + "batch.size 65536), e.g. `{linger.ms: 10}`.")
            .define("consumer", ConfigDef.Type.MAP, null,
                    "Kafka consumer properties over the raw consumer's (auto.offset.reset earliest, no auto-commit).")
            .include(BrokerSettings.polybus("kafka"))
            .build();

    KafkaRawDriver(ProviderConfig settings) {
        this.bootstrap = String.join(",", settings.getList("bootstrap-servers"));
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        producerProps.putAll(settings.getMap("producer"));
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.putAll(settings.getMap("consumer"));
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = Admin.create(props);
    }

    @Override
    public void createTopics(List<String> topics, int partitions) throws Exception {
        admin.createTopics(topics.stream().map(t -> new NewTopic(t, partitions, (short) 1)).toList())
                .all().get(60, TimeUnit.SECONDS);
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) throws Exception {
        Properties props = new Properties();
        props.putAll(consumerProps);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-" + consumer);
        KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        CountDownLatch assigned = new CountDownLatch(1);
        kafka.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                LOG.debug("{}-{} revoked {}", group, consumer, partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                assigned.countDown();
            }
        });
        Thread thread = new Thread(() -> {
            try {
                while (true) {
                    ConsumerRecords<byte[], byte[]> records = kafka.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        sink.receive(r.value());
                    }
                    if (!records.isEmpty()) {
                        kafka.commitAsync();
                    }
                }
            } catch (WakeupException e) {
                LOG.debug("consumer {} of {} stopped", consumer, group);
            } finally {
                kafka.close(Duration.ofSeconds(5));
            }
        }, "bench-kafka-" + group + "-" + consumer);
        thread.start();
        AutoCloseable stop = () -> {
            kafka.wakeup();
            thread.join(10_000);
        };
        // The group takes part only once it has joined; until then the first messages would wait for the join.
        if (!assigned.await(ASSIGNMENT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            stop.close();
            throw new TimeoutException("consumer " + consumer + " of group " + group + " got no partition assignment from "
                    + bootstrap + " within " + ASSIGNMENT_TIMEOUT_SECONDS + " s");
        }
        return stop;
    }

    @Override
    public Publisher publisher(String topic) {
        Properties props = new Properties();
        props.putAll(producerProps);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        return new Publisher() {
            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) {
                producer.send(new ProducerRecord<>(topic, key, payload), (metadata, error) -> done.done(error));
            }

            @Override
            public void flush() {
                producer.flush();
            }

            @Override
            public void close() {
                producer.close(Duration.ofSeconds(10));
            }
        };
    }

    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        try {
            admin.deleteConsumerGroups(groups).all().get(30, TimeUnit.SECONDS);
            admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("could not delete topics {} on {}: {}", topics, bootstrap, e.toString());
        }
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "kafka-clients " + AppInfoParser.getVersion());
        p.put("bootstrap-servers", bootstrap);
        producerProps.forEach((k, v) -> p.put("producer." + k, String.valueOf(v)));
        consumerProps.forEach((k, v) -> p.put("consumer." + k, String.valueOf(v)));
        p.put("consumer.commit", "commitAsync after every non-empty poll");
        try {
            p.put("cluster", admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() + " node(s), id "
                    + admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.put("cluster", "unknown: " + e);
        }
        return p;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
