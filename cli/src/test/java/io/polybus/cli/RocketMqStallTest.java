package io.polybus.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.agent.Agent;
import io.polybus.agent.AgentFixture;
import io.polybus.events.EventPack;
import io.polybus.rocketmq.RocketMqServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker stops answering while the agent ships (its process frozen with SIGSTOP, connections open), long enough
 * for sends to time out while the producer is full; once it answers again, the agent delivers every line by itself.
 * The failed sends are answered on the RocketMQ client's few callback threads: were the agent to send again on
 * them, it would wait for room that only those threads can free, and shipping would stall for good.
 */
class RocketMqStallTest {
    private static final int LINES = 50_000;

    @TempDir
    Path dir;

    @Test
    void everyLineArrivesOnceTheStalledBrokerAnswersAgain() throws Exception {
        try (RocketMqServer server = RocketMqServer.start()) {
            // A small window of sends, so that it is full when the broker stops answering.
            Config brokerConfig = server.config("send-timeout", "1s", "max-in-flight", "16");
            String topic = "logs-stall-" + UUID.randomUUID().toString().substring(0, 8);
            Files.writeString(dir.resolve("app.log"), AgentEndToEndTest.numbered(0, LINES));
            String yaml = "agent: {host: stall, data-dir: '" + dir.resolve("data") + "'}\n"
                    + "delivery: {retry-backoff: 20ms, retry-backoff-max: 200ms, events-per-message: 1}\n"
                    + AgentFixture.brokerYaml(brokerConfig)
                    + "sources:\n  - {name: app, type: file, paths: ['" + dir + "/app.log'], start-at: beginning, topic: "
                    + topic + ", processors: [{type: regex, pattern: '^line-(?<n>\\d+)', numbers: [n]}]}\n";
            Set<Integer> received = ConcurrentHashMap.newKeySet();
            try (Broker broker = Brokers.open(brokerConfig);
                 Consumer ignored = broker.subscribe(ConsumerOptions.builder(topic, "stall-check").ackMode(AckMode.AUTO)
                         .build(), d -> {
                     for (byte[] event : EventPack.events(d.message())) {
                         received.add(AgentFixture.JSON.readTree(event).at("/fields/n").asInt());
                     }
                 });
                 Agent agent = Agent.fromYaml(yaml, new SimpleMeterRegistry())) {
                agent.start(new Agent.RunOptions(false, InputStream.nullInputStream()));
                await().atMost(Duration.ofMinutes(1)).until(() -> received.size() > 1_000);
                assertTrue(received.size() < LINES / 2, "the agent was still shipping when the broker stalled");
                server.pauseBroker();
                try {
                    // The outage: several send timeouts long, with the agent's reader waiting for room meanwhile.
                    Thread.sleep(4_000);
                } finally {
                    server.resumeBroker();
                }
                await().atMost(Duration.ofMinutes(2)).until(() -> received.size() == LINES);
            }
        }
    }
}
