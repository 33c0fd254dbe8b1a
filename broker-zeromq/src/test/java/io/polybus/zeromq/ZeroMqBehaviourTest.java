package io.polybus.zeromq;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What ZeroMQ does that the other brokers do not, as a user of two processes would see it. */
class ZeroMqBehaviourTest {
    private static Config config(String endpoint) {
        return Config.of("type", "zeromq", "subscriber-endpoint", endpoint, "publisher-endpoints", endpoint);
    }

    @Test
    void aProducerOfAnotherProcessReachesTheConsumersListeningOnItsEndpoint() throws Exception {
        String endpoint = "tcp://127.0.0.1:" + ZeroMqConformanceTest.freePort();
        try (Broker consuming = Brokers.open(config(endpoint), new SimpleMeterRegistry());
             Broker producing = Brokers.open(config(endpoint), new SimpleMeterRegistry())) {
            Recorder recorder = Recorder.acking();
            consuming.subscribe(ConsumerOptions.of("orders", "billing"), recorder);
            try (Producer producer = producing.producer()) {
                producer.send(Message.builder("orders").key("k").payload("first").build()).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.sawPayload("first"));
        }
    }

    @Test
    void whatIsSentWhileNoConsumerListensIsLostAndTheSendStillSucceeds() throws Exception {
        String endpoint = "tcp://127.0.0.1:" + ZeroMqConformanceTest.freePort();
        try (Broker broker = Brokers.open(config(endpoint), new SimpleMeterRegistry())) {
            Consumer first = broker.subscribe(ConsumerOptions.of("events", "g"), Recorder.acking());
            try (Producer producer = broker.producer()) {
                first.close();
                producer.send(Message.builder("events").payload("nobody listens").build()).get(5, TimeUnit.SECONDS);
                Recorder later = Recorder.acking();
                broker.subscribe(ConsumerOptions.of("events", "g"), later);
                producer.send(Message.builder("events").payload("after").build()).get(5, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(10)).until(() -> later.sawPayload("after"));
                assertFalse(later.sawPayload("nobody listens"), "zeromq kept a message for a group with no consumer");
            }
        }
    }

    @Test
    void aSecondConsumerOfOneGroupIsRefusedBecauseZeroMqCannotShare() {
        String endpoint = "tcp://127.0.0.1:" + ZeroMqConformanceTest.freePort();
        try (Broker broker = Brokers.open(config(endpoint), new SimpleMeterRegistry())) {
            broker.subscribe(ConsumerOptions.of("jobs", "workers"), Recorder.acking());
            PolybusException e = assertThrows(PolybusException.class,
                    () -> broker.subscribe(ConsumerOptions.of("jobs", "workers"), Recorder.acking()));
            assertTrue(e.getMessage().contains("workers") && e.getMessage().contains("PARTITIONED"), e.getMessage());
        }
    }
}
