package io.polybus.cli;

import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands on the class path users run ({@code lib/} of the distribution, {@code bin/polybus}): runtime
 * dependencies only. Every other test runs on the test class path, where a dependency declared for the tests hides
 * one the distribution lacks (jedis once was test-scoped here, and every command on Redis failed in {@code lib/}).
 * Each broker running on every machine takes a message through {@code polybus produce}, which loads its client, to a
 * group subscribed here.
 */
class RuntimeClassPathTest {
    private static final String GROUP = "runtime-class-path";
    private static final String PAYLOAD = "loaded by the runtime class path";
    private static String runtimeClassPath() throws IOException {
        Path file = Path.of("target", "runtime.classpath");
        assertTrue(Files.exists(file), "the build writes the runtime class path to " + file.toAbsolutePath());
        return Path.of("target", "classes").toAbsolutePath() + File.pathSeparator + Files.readString(file).trim();
    }

    private static String run(String classPath, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", classPath, PolybusMain.class.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "polybus " + args + " did not end");
        assertEquals(0, p.exitValue(), "polybus " + args + " on the runtime class path:\n" + out);
        return out;
    }

    @Test
    void everyBrokerModuleIsFoundAndTheSharedOnesTakeAMessage() throws Exception {
        String classPath = runtimeClassPath();
        String listed = run(classPath, List.of("brokers"));
        for (String type : List.of("memory", "kafka", "rabbitmq", "redis", "nats", "artemis", "mqtt", "zeromq")) {
            assertTrue(listed.contains(type), type + " is not listed:\n" + listed);
        }
        String topic = "runtime-cp-" + Long.toString(System.nanoTime(), 36);
        RedisBrokerForTests redis = new RedisBrokerForTests();
        NatsBrokerForTests nats = new NatsBrokerForTests();
        RabbitMqBrokerForTests rabbit = new RabbitMqBrokerForTests();
        try {
            produceAndReceive(classPath, redis.config(), topic);
            produceAndReceive(classPath, nats.config(), topic);
            produceAndReceive(classPath, rabbit.config(), rabbit.remember(topic));
            produceAndReceive(classPath, Config.of("type", "mqtt", "host", "127.0.0.1", "port", "1883"), topic);
        } finally {
            redis.cleanUp();
            nats.cleanUp();
            rabbit.cleanUp(GROUP);
        }
    }

    /** A group subscribed here receives what {@code polybus produce} sends on the runtime class path. */
    private static void produceAndReceive(String classPath, Config config, String topic) throws Exception {
        Recorder recorder = Recorder.acking();
        try (Broker broker = Brokers.open(config)) {
            broker.subscribe(ConsumerOptions.builder(topic, GROUP).ephemeral().build(), recorder);
            produce(classPath, config, topic);
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.sawPayload(PAYLOAD));
        }
    }

    /** {@code polybus produce} of one message to {@code topic} on the broker {@code config} names, by -b and -X. */
    private static void produce(String classPath, Config config, String topic) throws Exception {
        List<String> args = new ArrayList<>(List.of("produce", "-b", config.get("type").orElseThrow()));
        config.asMap().forEach((key, value) -> {
            if (!key.equals("type")) {
                args.addAll(List.of("-X", key + "=" + value));
            }
        });
        args.addAll(List.of("-t", topic, PAYLOAD));
        run(classPath, args);
    }
}
