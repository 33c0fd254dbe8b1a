package io.polybus.testkit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.Producer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * One message through a broker opened from a configuration, on a topic of its own: the proof that a connection
 * (secured, say) carries messages both ways. Blocks the calling thread.
 */
public final class RoundTrip {
    private RoundTrip() {
    }

    /**
     * Opens the broker, subscribes a group, sends one message and waits until the group has it.
     *
     * @throws Exception from open, send or the bounded wait (up to a minute), for the test to fail with
     */
    public static void check(Config config) throws Exception {
        String topic = "round-trip-" + System.nanoTime();
        try (Broker broker = Brokers.open(config, new SimpleMeterRegistry());
             Producer producer = broker.producer()) {
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
            producer.send(Message.builder(topic).payload("round trip").build()).get(30, TimeUnit.SECONDS);
            await("the message sent to " + topic).atMost(Duration.ofMinutes(1)).until(() -> recorder.sawPayload("round trip"));
        }
    }
}
