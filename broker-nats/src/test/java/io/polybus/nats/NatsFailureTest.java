package io.polybus.nats;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Backpressure;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Brokers;
import io.polybus.BufferFullException;
import io.polybus.Capability;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user sees when NATS crashes, restarts, stalls, refuses the credentials, or is configured wrongly. One
 * server of this class's own (token authentication, JetStream store in a temporary directory) for every test.
 */
class NatsFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "s3cret-token-" + Long.toHexString(System.nanoTime());
    private static OwnNatsServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = OwnNatsServer.start("--auth", TOKEN);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static Config config() {
        return Config.of("type", "nats", "servers", server.url(), "token", TOKEN, "request-timeout", "1s",
                "reconnect-wait", "100ms", "ack-wait", "2s", "connect-timeout", "1s");
    }

    private static Broker open(Config config) {
        return Brokers.open(config, new SimpleMeterRegistry());
    }

    @Test
    void aCrashMidStreamFailsOnlyUnconfirmedSendsLosesNothingConfirmedAndTheConsumerRecoversByItself() throws Exception {
        try (Broker broker = open(config())) {
            assertTrue(broker.capabilities().contains(Capability.DURABLE), "file storage is durable");
            Map<String, Boolean> received = new ConcurrentHashMap<>();
            Recorder recorder = Recorder.then(d -> {
                received.put(d.message().payloadAsString(), true);
                d.ack();
            });
            broker.subscribe(ConsumerOptions.builder("crash", "g").prefetch(64).build(), recorder);
            Producer producer = broker.producer();
            Map<String, CompletableFuture<?>> sent = new ConcurrentHashMap<>();
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread sender = new Thread(() -> {
                for (int i = 0; i < 100_000 && sending.get(); i++) {
                    String payload = "m-" + i;
                    sent.put(payload, producer.send(Message.builder("crash").payload(payload).build()));
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "crash-test-sender");
            sender.start();
            await("deliveries before the crash").atMost(WAIT).until(() -> received.size() >= 100);

            server.stop(true);
            await("a send fails while the server is down").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> sent.values().stream().anyMatch(CompletableFuture::isCompletedExceptionally));
            server.start();
            int afterRestart = sent.size();
            await("sends succeed again").atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
                CompletableFuture<?> f = sent.get("m-" + (sent.size() - 1));
                return sent.size() > afterRestart + 50 && f != null && f.isDone() && !f.isCompletedExceptionally();
            });
            sending.set(false);
            sender.join(WAIT.toMillis());
            for (CompletableFuture<?> f : sent.values()) {
                try {
                    f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    PolybusException cause = assertInstanceOf(PolybusException.class, e.getCause());
                    assertTrue(cause.isRetriable(), cause.toString());
                    assertTrue(cause.getMessage().contains("127.0.0.1:" + server.port), cause.getMessage());
                }
            }
            List<String> confirmed = new ArrayList<>();
            sent.forEach((payload, f) -> {
                if (!f.isCompletedExceptionally()) {
                    confirmed.add(payload);
                }
            });
            assertTrue(confirmed.size() < sent.size(), "some sends failed while the server was down");
            await("every confirmed message delivered after the restart").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .until(() -> confirmed.stream().allMatch(received::containsKey));
            producer.close();
        }
    }

    @Test
    void memoryStreamsAreNotDurableAndComeBackEmptyAfterARestart() throws Exception {
        try (Broker broker = open(config().with("stream.storage", "memory"))) {
            assertFalse(broker.capabilities().contains(Capability.DURABLE), "memory storage is not durable");
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of("volatile", "g"), recorder);
            server.stop(false);
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
    void aProducerFacingAFrozenServerHoldsAtMostItsPendingAndSaysSo() throws Exception {
        try (Broker broker = open(config().with("producer.max-pending", "8").with("request-timeout", "3s"))) {
            Producer failFast = broker.producer(ProducerOptions.builder().backpressure(Backpressure.FAIL).build());
            failFast.send(Message.builder("frozen").payload("warm-up").build()).get(10, TimeUnit.SECONDS);
            server.pause(true);
            List<CompletableFuture<?>> accepted = new ArrayList<>();
            CompletableFuture<?> refused = null;
            try {
                for (int i = 0; i < 100 && refused == null; i++) {
                    CompletableFuture<?> f = failFast.send(Message.builder("frozen").payload("m" + i).build());
                    if (f.isCompletedExceptionally()) {
                        refused = f;
                    } else {
                        accepted.add(f);
                    }
                }
            } finally {
                server.pause(false);
            }
            assertTrue(refused != null, "send kept accepting with the server frozen");
            assertEquals(8, accepted.size(), "sends held");
            ExecutionException full = assertThrows(ExecutionException.class, refused::get);
            BufferFullException cause = assertInstanceOf(BufferFullException.class, full.getCause());
            assertTrue(cause.getMessage().contains("producer.max-pending"), cause.getMessage());
            for (CompletableFuture<?> f : accepted) {
                f.get(30, TimeUnit.SECONDS);
            }
            failFast.close();
        }
    }

    @Test
    void wrongTokenIsAClearAuthenticationErrorWithoutTheToken() {
        AuthenticationException wrong = assertThrows(AuthenticationException.class,
                () -> open(config().with("token", "wrong-token-17")));
        assertTrue(wrong.getMessage().contains("127.0.0.1:" + server.port), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("wrong-token-17"), wrong.getMessage());
        assertFalse(wrong.isRetriable());
    }

    @Test
    void unreachableServerNamesHostAndPortAndIsRetriable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BrokerUnavailableException e = assertThrows(BrokerUnavailableException.class,
                () -> open(Config.of("type", "nats", "servers", "127.0.0.1:" + port, "connect-timeout", "500ms")));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertTrue(e.isRetriable());
    }

    @Test
    void badConfigurationNamesTheKey() {
        assertNamed("stream.storage", config().with("stream.storage", "tape"));
        assertNamed("stream.replicas", config().with("stream.replicas", "9"));
        assertNamed("poll-timeout", config().with("poll-timeout", "10ms"));
        assertNamed("password", Config.of("type", "nats", "servers", server.url(), "user", "alice"));
        ConfigException twoWays = assertNamed("token", config().with("nkey-seed", "SUAFAKE"));
        assertFalse(twoWays.getMessage().contains(TOKEN), twoWays.getMessage());
        ConfigException url = assertNamed("servers", config().with("servers", "nats://bob:hunter2@127.0.0.1:4222"));
        assertFalse(url.getMessage().contains("hunter2"), url.getMessage());
    }

    private static ConfigException assertNamed(String key, Config config) {
        ConfigException e = assertThrows(ConfigException.class, () -> open(config));
        assertTrue(e.getMessage().contains(key), e.getMessage());
        return e;
    }
}
