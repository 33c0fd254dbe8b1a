package io.polybus.redis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Brokers;
import io.polybus.Capability;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user sees when Redis goes away, refuses the credentials, or is configured wrongly. */
class RedisFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Config config(int port) {
        return Config.of("type", "redis", "host", "127.0.0.1", "port", Integer.toString(port), "visibility-timeout", "1s",
                "poll-timeout", "200ms", "connect-timeout", "500ms", "socket-timeout", "2s");
    }

    @Test
    void producerReportsFailuresWhileRedisIsDownAndBothSidesResumeAfterItRestarts() throws Exception {
        try (OwnRedisServer server = OwnRedisServer.start(null, "--appendonly", "yes", "--appendfsync", "always");
             Broker broker = Brokers.open(config(server.port), new SimpleMeterRegistry())) {
            assertTrue(broker.capabilities().contains(Capability.DURABLE), "appendonly yes makes streams durable");
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of("restart", "g"), recorder);
            Producer producer = broker.producer();
            for (int i = 0; i < 10; i++) {
                producer.send(Message.builder("restart").payload("before-" + i).build()).get(10, TimeUnit.SECONDS);
            }
            await().atMost(WAIT).until(() -> recorder.count() == 10);

            server.stop();
            CompletableFuture<?> whileDown = producer.send(Message.builder("restart").payload("while down").build());
            ExecutionException down = assertThrows(ExecutionException.class, () -> whileDown.get(10, TimeUnit.SECONDS));
            BrokerUnavailableException cause = assertInstanceOf(BrokerUnavailableException.class, down.getCause());
            assertTrue(cause.isRetriable());
            assertTrue(cause.getMessage().contains("127.0.0.1:" + server.port), cause.getMessage());

            server.start();
            await("producer reconnects").atMost(WAIT).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                producer.send(Message.builder("restart").payload("probe").build()).get(5, TimeUnit.SECONDS);
                return true;
            });
            List<CompletableFuture<?>> after = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                after.add(producer.send(Message.builder("restart").payload("after-" + i).build()));
            }
            for (CompletableFuture<?> f : after) {
                f.get(10, TimeUnit.SECONDS);
            }
            await("consumer resumes").atMost(WAIT).until(() -> {
                for (int i = 0; i < 10; i++) {
                    if (!recorder.sawPayload("after-" + i)) {
                        return false;
                    }
                }
                return true;
            });
            producer.close();
        }
    }

    @Test
    void groupLostWithANonPersistentServerIsCreatedAgain() throws Exception {
        try (OwnRedisServer server = OwnRedisServer.start(null, "--appendonly", "no");
             Broker broker = Brokers.open(config(server.port), new SimpleMeterRegistry())) {
            assertFalse(broker.capabilities().contains(Capability.DURABLE), "a server without AOF is not durable");
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of("volatile", "g"), recorder);
            server.stop();
            server.start();
            try (Producer producer = broker.producer()) {
                await("consumer resumes on the emptied server").atMost(WAIT).pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions().until(() -> {
                            producer.send(Message.builder("volatile").payload("again").build()).get(5, TimeUnit.SECONDS);
                            return recorder.sawPayload("again");
                        });
            }
        }
    }

    @Test
    void wrongPasswordIsAClearAuthenticationErrorWithoutThePassword() throws Exception {
        try (OwnRedisServer server = OwnRedisServer.start("right-secret-42")) {
            AuthenticationException wrong = assertThrows(AuthenticationException.class, () ->
                    Brokers.open(config(server.port).with("password", "wrong-secret-17"), new SimpleMeterRegistry()));
            assertTrue(wrong.getMessage().contains("127.0.0.1:" + server.port), wrong.getMessage());
            assertFalse(wrong.getMessage().contains("wrong-secret-17"), wrong.getMessage());
            assertFalse(wrong.isRetriable());

            AuthenticationException none = assertThrows(AuthenticationException.class, () ->
                    Brokers.open(config(server.port), new SimpleMeterRegistry()));
            assertTrue(none.getMessage().contains("no password was given"), none.getMessage());

            try (Broker broker = Brokers.open(config(server.port).with("password", "right-secret-42"), new SimpleMeterRegistry());
                 Producer producer = broker.producer()) {
                producer.send(Message.builder("auth").payload("in").build()).get(10, TimeUnit.SECONDS);
            }
            String uri = "redis://:right-secret-42@127.0.0.1:" + server.port + "/0";
            try (Broker broker = Brokers.open(Config.of("type", "redis", "uri", uri), new SimpleMeterRegistry())) {
                assertEquals("redis", broker.type());
            }
        }
    }

    @Test
    void unreachableServerNamesHostAndPortAndIsRetriable() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BrokerUnavailableException e = assertThrows(BrokerUnavailableException.class,
                () -> Brokers.open(config(port), new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertTrue(e.isRetriable());
    }

    @Test
    void badConfigurationNamesTheKey() {
        assertNamed("port", config(6379).with("port", "abc"));
        assertNamed("port", config(6379).with("port", "70000"));
        assertNamed("mode", config(6379).with("mode", "queue"));
        assertNamed("visibility-timeout", config(6379).with("visibility-timeout", "soon"));
        assertNamed("poll-timeout", config(6379).with("visibility-timeout", "1s").with("poll-timeout", "900ms"));
        assertNamed("redis.pool.no-such-thing", config(6379).with("redis.pool.no-such-thing", "1"));
        assertNamed("redis.pool.max-wait", config(6379).with("redis.pool.max-wait", "forever"));
        ConfigException uri = assertNamed("uri", config(6379).with("uri", "http://user:topsecret@host:1"));
        assertFalse(uri.getMessage().contains("topsecret"), uri.getMessage());
    }

    private static ConfigException assertNamed(String key, Config config) {
        ConfigException e = assertThrows(ConfigException.class, () -> Brokers.open(config, new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        return e;
    }
}
