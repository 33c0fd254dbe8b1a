package io.polybus.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.Receipt;
import io.polybus.StartPosition;
import io.polybus.testkit.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kafka-specific behaviour beyond the conformance suite, against the shared in-process cluster. */
@ExtendWith(TestCluster.Shared.class)
class KafkaBrokerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String unique(String what) {
        return "kafka-test-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Broker open(Config config) {
        return Brokers.open(config, new SimpleMeterRegistry());
    }

    @Test
    void unreachableBootstrapServersFailAsRetriableNamingThemWithinTheConnectTimeout() {
        Config config = Config.of("type", "kafka", "bootstrap-servers", "127.0.0.1:1", "connect-timeout", "2s");
        BrokerUnavailableException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(BrokerUnavailableException.class, () -> open(config)));
        assertTrue(e.isRetriable());
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        assertTrue(e.getMessage().contains("connect-timeout"), e.getMessage());
    }

    @Test
    void badConfigurationNamesTheKey() {
        Config base = TestCluster.shared().config();
        ConfigException typo = assertThrows(ConfigException.class, () -> open(base.with("kafka.lingr.ms", "5")));
        assertTrue(typo.getMessage().contains("kafka.lingr.ms"), typo.getMessage());

        ConfigException badValue = assertThrows(ConfigException.class, () -> open(base.with("kafka.linger.ms", "soon")));
        assertTrue(badValue.getMessage().contains("kafka.linger.ms") && badValue.getMessage().contains("soon"),
                badValue.getMessage());

        ConfigException reserved = assertThrows(ConfigException.class,
                () -> open(base.with("kafka.enable.auto.commit", "true")));
        assertTrue(reserved.getMessage().contains("kafka.enable.auto.commit"), reserved.getMessage());

        ConfigException partitions = assertThrows(ConfigException.class, () -> open(base.with("partitions", "0")));
        assertTrue(partitions.getMessage().contains("partitions"), partitions.getMessage());

        ConfigException protocol = assertThrows(ConfigException.class,
                () -> open(base.with("security-protocol", "CARRIER_PIGEON")));
        assertTrue(protocol.getMessage().contains("security-protocol"), protocol.getMessage());
    }

    @Test
    void passwordsNeverAppearInConfigurationErrors() {
        Config config = TestCluster.shared().config().with("sasl-password", "s3cr3t-value")
                .with("kafka.ssl.truststore.password", "0ther-s3cr3t").with("kafka.bogus.key", "1");
        ConfigException e = assertThrows(ConfigException.class, () -> open(config));
        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    }

    @Test
    void missingTopicIsAClearErrorWhenTopicCreationIsOff() {
        String topic = unique("missing");
        try (Broker broker = open(TestCluster.shared().config().with("create-topics", "false"));
             Producer producer = broker.producer()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(Message.builder(topic).payload("x").build()).get(30, TimeUnit.SECONDS));
            assertInstanceOf(PolybusException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains(topic) && e.getCause().getMessage().contains("create-topics"),
                    e.getCause().getMessage());
            PolybusException onSubscribe = assertThrows(PolybusException.class,
                    () -> broker.subscribe(ConsumerOptions.of(topic, unique("g")), Recorder.acking()));
            assertTrue(onSubscribe.getMessage().contains(topic), onSubscribe.getMessage());
        }
    }

    /**
     * A broker takes up the partitions of a new topic a moment after the controller accepted it. A batch sent in
     * that moment is refused (NOT_LEADER_OR_FOLLOWER) and retried while a later batch of the same idempotent
     * producer may already be taken; the retried batch then gets OUT_OF_ORDER_SEQUENCE_NUMBER until
     * delivery.timeout.ms (KAFKA-14359). Many partitions make the moment long: once the producer's first send has
     * prepared the topic, no batch is refused, so none is retried (kafka-clients' own count, in JMX), and every send
     * is acknowledged.
     */
    @Test
    void sendsToABrandNewTopicOfManyPartitionsAreTakenAtTheFirstAttempt() throws Exception {
        String topic = unique("new");
        Config config = TestCluster.shared().config().with("partitions", "100")
                .with("kafka.request.timeout.ms", "10000").with("kafka.delivery.timeout.ms", "20000");
        Set<ObjectName> others = producerMetrics();
        try (Broker broker = open(config); Producer producer = broker.producer()) {
            List<CompletableFuture<Receipt>> sends = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                sends.add(producer.send(Message.builder(topic).payload("line " + i).build()));
            }
            Set<String> partitions = new HashSet<>();
            for (CompletableFuture<Receipt> send : sends) {
                String position = send.get(60, TimeUnit.SECONDS).position();
                partitions.add(position.substring(0, position.indexOf('@')));
            }
            assertTrue(partitions.size() > 1, "the sends went to partitions " + partitions);
            Set<ObjectName> mine = producerMetrics();
            mine.removeAll(others);
            assertEquals(1, mine.size(), "producers opened by this test: " + mine);
            Object retried = ManagementFactory.getPlatformMBeanServer().getAttribute(mine.iterator().next(),
                    "record-retry-total");
            assertEquals(0.0, (Double) retried, "records the broker refused at first");
        }
    }

    /** The JMX names of the metrics of every KafkaProducer open in this JVM. */
    private static Set<ObjectName> producerMetrics() throws MalformedObjectNameException {
        return new HashSet<>(ManagementFactory.getPlatformMBeanServer()
                .queryNames(new ObjectName("kafka.producer:type=producer-metrics,client-id=*"), null));
    }

    @Test
    void existingTopicIsUsedWhenTopicCreationIsOff() throws Exception {
        String topic = unique("existing");
        String group = unique("g");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestCluster.shared().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()),
                    new NewTopic(topic + ".retry." + group, Optional.of(1), Optional.empty()),
                    new NewTopic(topic + ".delay." + group, Optional.of(1), Optional.empty()))).all().get();
        }
        try (Broker broker = open(TestCluster.shared().config().with("create-topics", "false"));
             Producer producer = broker.producer()) {
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, group), recorder);
            producer.send(Message.builder(topic).payload("here").build()).get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> recorder.sawPayload("here"));
        }
    }

    @Test
    void outOfOrderAcksCommitExactlyTheContiguousPrefix() throws Exception {
        String topic = unique("acks");
        String group = unique("g");
        try (Broker broker = open(TestCluster.shared().config());
             Producer producer = broker.producer();
             Admin admin = Admin.create(Map.of("bootstrap.servers", TestCluster.shared().bootstrapServers()))) {
            Recorder recorder = Recorder.holding();
            broker.subscribe(ConsumerOptions.builder(topic, group).prefetch(50).startFrom(StartPosition.LATEST).build(),
                    recorder);
            List<Receipt> receipts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                receipts.add(producer.send(Message.builder(topic).key("one").payload("m" + i).build()).get(30, TimeUnit.SECONDS));
            }
            String[] first = receipts.get(0).position().split("@");
            TopicPartition partition = new TopicPartition(topic, Integer.parseInt(first[0]));
            long base = Long.parseLong(first[1]);
            await().atMost(WAIT).until(() -> recorder.count() == 10);
            List<Delivery> d = recorder.deliveries();

            for (int i : new int[] {0, 1, 2, 5, 6, 7, 9}) {
                d.get(i).ack();
            }
            await().atMost(WAIT).until(() -> committed(admin, group, partition) == base + 3);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> committed(admin, group, partition) == base + 3);

            d.get(3).ack();
            await().atMost(WAIT).until(() -> committed(admin, group, partition) == base + 4);
            d.get(4).requeue("later");
            await().atMost(WAIT).until(() -> committed(admin, group, partition) == base + 8);
            d.get(8).ack();
            await().atMost(WAIT).until(() -> committed(admin, group, partition) == base + 10);
        }
    }

    @Test
    void requeueGoesThroughTheRetryTopicWithoutHoldingBackThePartition() throws Exception {
        String topic = unique("requeue");
        String group = unique("g");
        try (Broker broker = open(TestCluster.shared().config());
             Producer producer = broker.producer();
             Admin admin = Admin.create(Map.of("bootstrap.servers", TestCluster.shared().bootstrapServers()))) {
            Recorder recorder = Recorder.then(d -> {
                if (d.message().payloadAsString().equals("m3") && d.attempt() == 1) {
                    d.requeue("not yet");
                } else {
                    d.ack();
                }
            });
            broker.subscribe(ConsumerOptions.of(topic, group), recorder);
            List<Receipt> receipts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                receipts.add(producer.send(Message.builder(topic).key("one").payload("m" + i).header("n", "" + i).build())
                        .get(30, TimeUnit.SECONDS));
            }
            await().atMost(WAIT).until(() -> recorder.count() == 11);
            List<String> firstAttempts = recorder.deliveries().stream().filter(d -> d.attempt() == 1)
                    .map(d -> d.message().payloadAsString()).toList();
            assertEquals(List.of("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"), firstAttempts);
            List<Delivery> retries = recorder.deliveries().stream().filter(d -> d.attempt() > 1).toList();
            assertEquals(1, retries.size());
            Delivery retry = retries.get(0);
            assertEquals("m3", retry.message().payloadAsString());
            assertEquals(2, retry.attempt());
            assertEquals("3", retry.message().header("n"));
            assertEquals(recorder.deliveries().get(3).message().id(), retry.message().id());
            assertEquals(topic, retry.message().topic());
            assertEquals(Map.of("n", "3"), retry.message().headers());

            String[] last = receipts.get(9).position().split("@");
            TopicPartition partition = new TopicPartition(topic, Integer.parseInt(last[0]));
            await().atMost(WAIT).until(() -> committed(admin, group, partition) == Long.parseLong(last[1]) + 1);
        }
    }

    /**
     * A requeue with a delay goes to the group's delay topic, in the partition of its delay's tier: a short delay
     * is not held behind a longer one requeued before it, and the copy keeps key, headers and id.
     */
    @Test
    void aShortDelayIsNotHeldBehindALongerOneRequeuedBeforeIt() throws Exception {
        String topic = unique("delay");
        String group = unique("g");
        try (Broker broker = open(TestCluster.shared().config()); Producer producer = broker.producer()) {
            Recorder recorder = Recorder.then(d -> {
                if (d.attempt() > 1) {
                    d.ack();
                } else if (d.message().payloadAsString().equals("long")) {
                    d.requeue("much later", Duration.ofSeconds(60));
                } else {
                    d.requeue("soon", Duration.ofSeconds(1));
                }
            });
            broker.subscribe(ConsumerOptions.of(topic, group), recorder);
            Message longer = Message.builder(topic).key("k").payload("long").build();
            producer.send(longer).get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> recorder.count() == 1);
            Message shorter = Message.builder(topic).key("k").payload("short").header("n", "ü").build();
            Receipt sent = producer.send(shorter).get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> recorder.count() == 3);
            Delivery retry = recorder.deliveries().get(2);
            assertEquals("short", retry.message().payloadAsString(), "the short delay came back first");
            assertEquals(2, retry.attempt());
            assertEquals(sent.messageId(), retry.message().id(), "the id its receipt named");
            assertEquals("k", new String(retry.message().key(), StandardCharsets.UTF_8));
            assertEquals(Map.of("n", "ü"), retry.message().headers());
            assertEquals(topic, retry.message().topic());
        }
    }

    private static long committed(Admin admin, String group, TopicPartition partition) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        OffsetAndMetadata o = offsets.get(partition);
        return o == null ? -1 : o.offset();
    }

    @Test
    void aMessageWithoutAGivenIdIsARecordWithOnlyTheUsersHeaders() throws Exception {
        String topic = unique("no-ids");
        try (Broker broker = open(TestCluster.shared().config());
             Producer producer = broker.producer()) {
            Message carried = Message.builder(topic).id("order-1").key("k").payload("carried").header("h", "1").build();
            Receipt first = producer.send(carried).get(30, TimeUnit.SECONDS);
            Receipt second = producer.send(Message.builder(topic).key("k").payload("plain").header("h", "2").build())
                    .get(30, TimeUnit.SECONDS);
            assertEquals("order-1", first.messageId());
            assertEquals(topic + "-" + second.position(), second.messageId());

            Map<String, Map<String, String>> headersByPayload = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> plain = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", TestCluster.shared().bootstrapServers(), "group.id", unique("plain"),
                    "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                plain.subscribe(List.of(topic));
                await().atMost(WAIT).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> r : plain.poll(Duration.ofMillis(100))) {
                        Map<String, String> headers = new HashMap<>();
                        r.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
                        headersByPayload.put(new String(r.value(), StandardCharsets.UTF_8), headers);
                    }
                    return headersByPayload.size() == 2;
                });
            }
            assertEquals(Map.of("h", "1", "polybus.id", "order-1"), headersByPayload.get("carried"));
            assertEquals(Map.of("h", "2"), headersByPayload.get("plain"));
        }
    }

    @Test
    void maxMessageBytesAlignsProducerAndTopicLimits() throws Exception {
        String topic = unique("large");
        try (Broker broker = open(TestCluster.shared().config().with("max-message-bytes", "3MiB"));
             Producer producer = broker.producer()) {
            assertEquals(3L * 1024 * 1024, broker.maxMessageBytes());
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, unique("g")), recorder);
            byte[] payload = new byte[3 * 1024 * 1024 - 100];
            producer.send(Message.builder(topic).payload(payload).build()).get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> recorder.count() == 1);
            assertEquals(payload.length, recorder.deliveries().get(0).message().payloadSize());
        }
    }

    @Test
    void anEphemeralGroupLeavesNoRetryTopicAndNoOffsetsAfterClose() throws Exception {
        String topic = unique("ephemeral");
        String group = unique("look");
        try (Broker broker = open(TestCluster.shared().config());
             Admin admin = Admin.create(Map.of("bootstrap.servers", TestCluster.shared().bootstrapServers()))) {
            Recorder recorder = Recorder.acking();
            var consumer = broker.subscribe(ConsumerOptions.builder(topic, group).ephemeral().build(), recorder);
            try (Producer producer = broker.producer()) {
                producer.send(Message.builder(topic).payload("look").build()).get(30, TimeUnit.SECONDS);
            }
            await().atMost(WAIT).until(() -> recorder.count() == 1);
            assertTrue(admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .anyMatch(g -> g.groupId().equals(group)), "the group exists while its consumer is open");
            consumer.close();

            assertFalse(admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().anyMatch(t -> t.startsWith(topic)
                    && (t.contains(".retry.") || t.contains(".delay."))), "the retry and delay topics are deleted at close");
            assertFalse(admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .anyMatch(g -> g.groupId().equals(group)), "the group's offsets are deleted at close");
        }
    }
}
