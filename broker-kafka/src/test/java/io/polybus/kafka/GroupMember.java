package io.polybus.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A consumer group member in a JVM of its own, for tests that kill a member outright. Arguments: bootstrap
 * servers, topic, group. Prints {@code ready} once subscribed, then the payload of every message it handled before
 * acking it, one per line (this is a test program: its stdout is the test's channel).
 */
public final class GroupMember {
    private GroupMember() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Config config = Config.of("type", "kafka", "bootstrap-servers", args[0], "partitions", "3",
                "kafka.heartbeat.interval.ms", "300", "kafka.session.timeout.ms", "2000");
        Broker broker = Brokers.open(config, new SimpleMeterRegistry());
        broker.subscribe(ConsumerOptions.of(args[1], args[2]), d -> {
            synchronized (out) {
                out.println("handled " + d.message().payloadAsString());
            }
            d.ack();
        });
        out.println("ready");
        Thread.currentThread().join();
    }
}
