package io.polybus.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Kafka broker stopped and started again mid-stream, in a JVM of its own. */
class KafkaRestartTest {
    private static ExternalKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = ExternalKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void brokerRestartMidStreamLosesNoAcknowledgedSendAndTheConsumerResumes() throws Exception {
        Config config = Config.of("type", "kafka", "bootstrap-servers", kafka.bootstrapServers(), "partitions", "3",
                "kafka.heartbeat.interval.ms", "500");
        // While the broker is away, Kafka's send waits for metadata up to the block timeout (max.block.ms).
        ProducerOptions options = ProducerOptions.builder().blockTimeout(Duration.ofSeconds(2)).build();
        try (Broker broker = Brokers.open(config, new SimpleMeterRegistry());
             Producer producer = broker.producer(options)) {
            String topic = "restart-" + System.nanoTime();
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, "restart-group"), recorder);

            List<Message> sent = Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Receipt>> futures = Collections.synchronizedList(new ArrayList<>());
            sendBatch(producer, topic, "before", 200, sent, futures);
            producer.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.count() >= 200);

            kafka.stopBroker();
            AtomicInteger issued = new AtomicInteger();
            Thread whileDown = new Thread(() -> {
                for (int i = 0; i < 20; i++) {
                    sendBatch(producer, topic, "while-down-" + i, 1, sent, futures);
                    issued.incrementAndGet();
                }
            });
            whileDown.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> issued.get() >= 3);
            kafka.startBroker();
            whileDown.join(120_000);
            sendBatch(producer, topic, "after", 200, sent, futures);

            await("every send answered").atMost(Duration.ofSeconds(120))
                    .until(() -> futures.stream().allMatch(CompletableFuture::isDone));
            Set<String> acknowledged = new HashSet<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    acknowledged.add(futures.get(i).get().messageId());
                } catch (ExecutionException e) {
                    PolybusException cause = assertInstanceOf(PolybusException.class, e.getCause());
                    assertTrue(cause.isRetriable(), cause.toString());
                    assertFalse(sent.get(i).payloadAsString().startsWith("after"), "a send after the restart failed: " + cause);
                }
            }
            await("every acknowledged send consumed").atMost(Duration.ofSeconds(120)).until(() -> {
                Set<String> seen = recorder.deliveries().stream().map(d -> d.message().id()).collect(Collectors.toSet());
                return seen.containsAll(acknowledged);
            });
        }
    }

    private static void sendBatch(Producer producer, String topic, String label, int count, List<Message> sent,
                                  List<CompletableFuture<Receipt>> futures) {
        for (int i = 0; i < count; i++) {
            Message m = Message.builder(topic).key("k" + (i % 7)).payload(label + "-" + i).build();
            synchronized (sent) {
                sent.add(m);
                futures.add(producer.send(m));
            }
        }
    }
}
