package io.polybus.redis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Capability;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.StartPosition;
import io.polybus.UnsupportedCapabilityException;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pub/sub mode against the shared Redis: what it keeps (fan-out, fidelity, order, outcomes within the
 * process) and what it refuses at open (at-least-once, durability, replay, shared groups, dead letters).
 */
class RedisPubSubTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PREFIX = SharedRedis.newPrefix("pubsub");

    private Broker broker;
    private String topic;

    @BeforeEach
    void open() {
        broker = Brokers.open(Config.of("type", "redis", "mode", "pubsub", "host", SharedRedis.HOST,
                "port", Integer.toString(SharedRedis.PORT), "key-prefix", PREFIX), new SimpleMeterRegistry());
        topic = "names-" + System.nanoTime();
    }

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void declaresOnlyWhatFireAndForgetCanKeep() {
        assertEquals(Set.of(Capability.FANOUT, Capability.ORDERED_BY_KEY), broker.capabilities());
    }

    @Test
    void requiringAtLeastOnceOrDurabilityFailsAtOpenNamingTheBrokerAndCapability() {
        for (Capability c : List.of(Capability.AT_LEAST_ONCE, Capability.DURABLE, Capability.PARTITIONED,
                Capability.DEAD_LETTER)) {
            UnsupportedCapabilityException onConsumer = assertThrows(UnsupportedCapabilityException.class,
                    () -> broker.subscribe(ConsumerOptions.builder(topic, "g").require(c).build(), Recorder.acking()));
            assertEquals(Set.of(c), onConsumer.missing());
            assertTrue(onConsumer.getMessage().contains("redis") && onConsumer.getMessage().contains(c.name()));
            UnsupportedCapabilityException onProducer = assertThrows(UnsupportedCapabilityException.class,
                    () -> broker.producer(ProducerOptions.builder().require(c).build()));
            assertEquals(Set.of(c), onProducer.missing());
        }
        UnsupportedCapabilityException replay = assertThrows(UnsupportedCapabilityException.class,
                () -> broker.subscribe(ConsumerOptions.builder(topic, "g").startFrom(StartPosition.EARLIEST).build(),
                        Recorder.acking()));
        assertEquals(Set.of(Capability.REPLAY), replay.missing());
    }

    @Test
    void everySubscriberGetsEveryMessageByteForByteInOrder() throws Exception {
        Recorder a = Recorder.acking();
        Recorder b = Recorder.acking();
        broker.subscribe(ConsumerOptions.of(topic, "a"), a);
        broker.subscribe(ConsumerOptions.builder(topic, "b").concurrency(3).build(), b);
        byte[] key = {0, (byte) 0xff, 10};
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        Message first = Message.builder(topic).key(key).payload(payload).header("grüße", "世界 🚀").build();
        try (Producer producer = broker.producer()) {
            Receipt receipt = producer.send(first).get(10, TimeUnit.SECONDS);
            assertEquals("subscribers=2", receipt.position());
            for (int i = 0; i < 200; i++) {
                producer.send(Message.builder(topic).key("k").payload("m" + i).build());
            }
            producer.flush();
        }
        await().atMost(WAIT).until(() -> a.count() == 201 && b.count() == 201);
        for (Recorder r : List.of(a, b)) {
            Message got = r.deliveries().stream().map(Delivery::message).filter(m -> m.id().equals(first.id()))
                    .findFirst().orElseThrow();
            assertArrayEquals(key, got.key());
            assertArrayEquals(payload, got.payload());
            assertEquals("世界 🚀", got.header("grüße"));
            List<String> ordered = r.payloads().stream().filter(p -> p.startsWith("m")).toList();
            assertEquals(200, ordered.size());
            for (int i = 0; i < 200; i++) {
                assertEquals("m" + i, ordered.get(i), "order of key k");
            }
        }
    }

    @Test
    void messagePublishedWithoutSubscriberIsLost() throws Exception {
        try (Producer producer = broker.producer()) {
            Receipt nobody = producer.send(Message.builder(topic).payload("into the void").build()).get(10, TimeUnit.SECONDS);
            assertEquals("subscribers=0", nobody.position());
            Recorder late = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, "g"), late);
            producer.send(Message.builder(topic).payload("heard").build()).get(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> late.sawPayload("heard"));
            assertFalse(late.sawPayload("into the void"));
        }
    }

    @Test
    void requeueHandsTheMessageAgainWithAttemptPlusOne() throws Exception {
        List<Integer> attempts = new ArrayList<>();
        Recorder recorder = Recorder.then(d -> {
            synchronized (attempts) {
                attempts.add(d.attempt());
            }
            if (d.attempt() < 3) {
                d.requeue("again");
            } else {
                d.ack();
            }
        });
        Consumer consumer = broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
        try (Producer producer = broker.producer()) {
            producer.send(Message.builder(topic).payload("retry").build()).get(10, TimeUnit.SECONDS);
        }
        await().atMost(WAIT).until(() -> recorder.count() == 3);
        synchronized (attempts) {
            assertEquals(List.of(1, 2, 3), attempts);
        }
        consumer.close();
        consumer.close();
    }

    @Test
    void consumerHoldsAtMostItsPrefetch() throws Exception {
        Recorder holding = Recorder.holding();
        broker.subscribe(ConsumerOptions.builder(topic, "g").prefetch(5).build(), holding);
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < 20; i++) {
                producer.send(Message.builder(topic).payload("m" + i).build());
            }
            producer.flush();
        }
        await().atMost(WAIT).until(() -> holding.count() == 5);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> holding.count() == 5);
        List.copyOf(holding.deliveries()).forEach(Delivery::ack);
        await().atMost(WAIT).until(() -> holding.count() == 10);
    }
}
