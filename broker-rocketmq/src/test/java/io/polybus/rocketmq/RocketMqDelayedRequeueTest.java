package io.polybus.rocketmq;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the conformance suite does not see of RocketMQ's delayed requeues: the delayed copy goes to the group's own
 * delay topic, so the other groups of the topic never receive it.
 */
@ExtendWith(SharedRocketMq.class)
class RocketMqDelayedRequeueTest {

    @Test
    void aDelayedRequeueComesBackToItsGroupOnly() throws Exception {
        String topic = "delayed-" + UUID.randomUUID();
        try (Broker broker = Brokers.open(SharedRocketMq.config(), new SimpleMeterRegistry())) {
            Recorder retrying = Recorder.then(d -> {
                if (d.attempt() == 1) {
                    d.requeue("later", Duration.ofMillis(500));
                } else {
                    d.ack();
                }
            });
            Recorder other = Recorder.acking();
            try (Consumer a = broker.subscribe(ConsumerOptions.builder(topic, "retrying").build(), retrying);
                 Consumer b = broker.subscribe(ConsumerOptions.builder(topic, "other").build(), other);
                 Producer producer = broker.producer()) {
                producer.send(Message.builder(topic).key("k").payload("once").build()).get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(60)).until(() -> retrying.count() == 2);
                // A second message after the redelivery: once the other group has it, it would have had the copy.
                producer.send(Message.builder(topic).key("k").payload("after").build()).get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(60)).until(() -> other.count() >= 2);
                assertEquals(List.of("once#1", "after#1"), other.deliveries().stream().map(RocketMqDelayedRequeueTest::shown).toList());
                assertEquals(List.of("once#1", "once#2"), retrying.deliveries().stream().limit(2)
                        .map(RocketMqDelayedRequeueTest::shown).toList());
            }
        }
    }

    private static String shown(Delivery d) {
        return d.message().payloadAsString() + "#" + d.attempt();
    }
}
