package io.polybus.agent;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.StartPosition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The broker goes away while the agent ships and comes back: the agent keeps running, says so in its
 * metrics, retries, and every line ends up in the broker. Uses a redis-server of its own (append-only file,
 * fsync always, so the restart keeps what it acknowledged); the shared one is never touched.
 */
class BrokerOutageTest {
    @TempDir
    Path dir;
    private int port;
    private Agent agent;

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.stop();
        }
        shutdownRedis();
    }

    private void startRedis() throws Exception {
        Process p = new ProcessBuilder("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port",
                Integer.toString(port), "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--dir", dir.toString(), "--pidfile", dir.resolve("redis.pid").toString(),
                "--logfile", dir.resolve("redis.log").toString()).redirectErrorStream(true).start();
        assertEquals(0, p.waitFor());
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                return "PONG".equals(j.ping());
            }
        });
    }

    private void shutdownRedis() throws Exception {
        Path pid = dir.resolve("redis.pid");
        if (Files.exists(pid)) {
            long id = Long.parseLong(Files.readString(pid).trim());
            ProcessHandle.of(id).ifPresent(h -> {
                h.destroy();
                h.onExit().orTimeout(10, TimeUnit.SECONDS).join();
            });
        }
    }

    private Config brokerConfig() {
        return Config.of("type", "redis", "port", Integer.toString(port), "socket-timeout", "1s", "connect-timeout", "500ms");
    }

    private static double acked(SimpleMeterRegistry registry) {
        return registry.find("polybus.agent.events.acked").functionCounters().stream()
                .mapToDouble(FunctionCounter::count).sum();
    }

    @Test
    void keepsRunningWhileTheBrokerIsDownAndDeliversEverythingWhenItIsBack() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        startRedis();
        Path log = dir.resolve("app.log");
        FileTailingTest.append(log, FileTailingTest.lines(0, 1000));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        agent = Agent.fromYaml("agent: {data-dir: '" + dir.resolve("data") + "', checkpoint-interval: 50ms}\n"
                + "delivery: {retry-backoff: 20ms, retry-backoff-max: 200ms, send-timeout: 1s}\n"
                + AgentFixture.brokerYaml(brokerConfig())
                + "sources: [{name: app, paths: ['" + log + "'], scan-interval: 50ms}]\n", registry);
        agent.start(Agent.RunOptions.defaults());
        await().atMost(Duration.ofMinutes(1)).until(() -> acked(registry) >= 1000);

        shutdownRedis();
        FileTailingTest.append(log, FileTailingTest.lines(1000, 2000));
        await().atMost(Duration.ofMinutes(1)).until(() -> registry.find("polybus.agent.retries").functionCounter().count() > 0);
        assertEquals(0.0, registry.find("polybus.agent.broker.connected").gauge().value());

        startRedis();
        await().atMost(Duration.ofMinutes(1)).until(() -> acked(registry) >= 2000);
        await().atMost(Duration.ofMinutes(1)).until(() -> registry.find("polybus.agent.broker.connected").gauge().value() == 1.0);

        // Read the topic back from its start with a plain consumer: every line is in the broker.
        Set<String> lines = ConcurrentHashMap.newKeySet();
        try (Broker broker = Brokers.open(brokerConfig());
             Consumer ignored = broker.subscribe(ConsumerOptions.builder("logs", "check").startFrom(StartPosition.EARLIEST)
                     .ackMode(AckMode.AUTO).build(),
                     d -> lines.add(AgentFixture.JSON.readTree(d.message().unsafePayload()).get("message").asText()))) {
            await().atMost(Duration.ofMinutes(1)).until(() -> lines.size() >= 2000);
        }
        assertEquals(new HashSet<>(FileTailingTest.expected(0, 2000)), lines);
    }
}
