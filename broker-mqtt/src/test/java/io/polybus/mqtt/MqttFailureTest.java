package io.polybus.mqtt;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Brokers;
import io.polybus.Capability;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.Receipt;
import io.polybus.RetriableException;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user sees when the MQTT server goes away, restarts, or refuses the credentials, on a Mosquitto of this
 * class's own (persistence on, so a clean restart keeps sessions and queued messages).
 */
class MqttFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static OwnMosquitto server;

    @BeforeAll
    static void startServer() throws IOException {
        server = OwnMosquitto.start("max_queued_messages 0");
    }

    @AfterAll
    static void stopServer() throws IOException {
        server.close();
    }

    private static Config config(int port) {
        return Config.of("type", "mqtt", "host", "127.0.0.1", "port", Integer.toString(port), "client-id",
                "failure-test", "connect-timeout", "2s", "reconnect-max-delay", "500ms", "durable", "true");
    }

    @Test
    void aRestartMidStreamLosesNothingAcknowledgedAndBothSidesResumeByThemselves() throws Exception {
        String topic = "restart-" + System.nanoTime();
        try (Broker broker = Brokers.open(config(server.port), new SimpleMeterRegistry())) {
            assertTrue(broker.capabilities().containsAll(Set.of(Capability.DURABLE, Capability.AT_LEAST_ONCE)));
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
            Producer producer = broker.producer();
            List<CompletableFuture<Receipt>> futures = new ArrayList<>();
            List<Message> sent = new ArrayList<>();
            ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor();
            for (int i = 0; i < 3000; i++) {
                if (i == 1000) {
                    server.stop();
                    // Down for two seconds while this thread goes on sending: sends wait once the window is full.
                    restarter.schedule(() -> {
                        server.start();
                        return null;
                    }, 2, TimeUnit.SECONDS);
                }
                Message m = Message.builder(topic).payload("m" + i).build();
                sent.add(m);
                futures.add(producer.send(m));
            }
            int acknowledged = 0;
            List<String> ackedIds = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    futures.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    acknowledged++;
                    ackedIds.add(sent.get(i).id());
                } catch (ExecutionException e) {
                    assertInstanceOf(RetriableException.class, e.getCause());
                }
            }
            assertTrue(acknowledged >= 1500, "sends after the restart are acknowledged: " + acknowledged);
            await("every acknowledged message arrives").atMost(WAIT).until(() -> {
                Set<String> got = recorder.deliveries().stream().map(d -> d.message().id()).collect(Collectors.toSet());
                return got.containsAll(ackedIds);
            });
            Set<String> got = recorder.deliveries().stream().map(d -> d.message().id()).collect(Collectors.toSet());
            assertTrue(got.containsAll(ackedIds), "acknowledged messages lost: "
                    + ackedIds.stream().filter(id -> !got.contains(id)).count());
            producer.close();
            restarter.shutdown();
        }
    }

    @Test
    void anUnreachableServerIsNamedAndRetriable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BrokerUnavailableException e = assertThrows(BrokerUnavailableException.class,
                () -> Brokers.open(config(port), new SimpleMeterRegistry()));
        assertTrue(e.isRetriable());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void refusedCredentialsAreAnAuthenticationErrorThatHidesThePassword() throws Exception {
        try (OwnMosquitto secured = OwnMosquitto.start("password_file " + passwordFile())) {
            Config good = config(secured.port).with("username", "alice").with("password", "s3cret-Pw");
            try (Broker broker = Brokers.open(good, new SimpleMeterRegistry())) {
                assertEquals("mqtt", broker.type());
            }
            AuthenticationException e = assertThrows(AuthenticationException.class,
                    () -> Brokers.open(good.with("password", "wrong-Pw-123"), new SimpleMeterRegistry()));
            assertTrue(e.getMessage().contains("alice"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-Pw-123"), e.getMessage());
            assertFalse(e.isRetriable());
        }
    }

    private static String passwordFile() throws IOException, InterruptedException {
        var file = Files.createTempFile("polybus-mosquitto", ".passwd");
        Process p = new ProcessBuilder("mosquitto_passwd", "-b", file.toString(), "alice", "s3cret-Pw")
                .redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        return file.toString();
    }
}
