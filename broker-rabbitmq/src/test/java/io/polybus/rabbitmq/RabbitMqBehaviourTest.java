package io.polybus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Brokers;
import io.polybus.Capability;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.Receipt;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What is particular to RabbitMQ: unroutable sends, channel errors, credentials, configuration, topology. */
class RabbitMqBehaviourTest {
    private final TestTopology topology = new TestTopology(5672);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private String prefix;

    @BeforeEach
    void names(TestInfo info) {
        String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
        prefix = "rmq-" + method.substring(0, Math.min(24, method.length())) + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }

    @AfterEach
    void cleanUp() throws Exception {
        topology.deleteAll();
    }

    private static Config config(String... extra) {
        Config c = Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", "5672");
        for (int i = 0; i < extra.length; i += 2) {
            c = c.with(extra[i], extra[i + 1]);
        }
        return c;
    }

    private Broker open(String... extra) {
        return Brokers.open(config(extra), meters);
    }

    private static Throwable failureOf(CompletableFuture<Receipt> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static Receipt sendNow(Producer producer, Message message) throws Exception {
        return producer.send(message).get(30, TimeUnit.SECONDS);
    }

    @Test
    void sendToTopicWithoutGroupFailsUntilAGroupSubscribes() throws Exception {
        String topic = topology.topic(prefix + "-t");
        try (Broker broker = open(); Producer producer = broker.producer()) {
            Throwable cause = failureOf(producer.send(Message.builder(topic).payload("nobody listens").build()));
            assertInstanceOf(PolybusException.class, cause);
            assertTrue(cause.getMessage().contains("no group is subscribed") && cause.getMessage().contains(topic),
                    cause.getMessage());

            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, topology.group("g")), recorder);
            sendNow(producer, Message.builder(topic).payload("now stored").build());
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.sawPayload("now stored"));
        }
    }

    @Test
    void aDelayedRequeueWaitsInTheDelayQueueOfItsTierEvenWhenItsConsumerCloses() throws Exception {
        String topic = topology.topic(prefix + "-t");
        String group = topology.group("g");
        String delayQueue = topic + "." + group + ".delay-1500ms";
        try (Broker broker = open(); Producer producer = broker.producer()) {
            AtomicLong requeuedAt = new AtomicLong();
            Recorder first = Recorder.then(d -> {
                requeuedAt.set(System.nanoTime());
                d.requeue("later", Duration.ofMillis(1450));
            });
            Consumer consumer = broker.subscribe(ConsumerOptions.of(topic, group), first);
            sendNow(producer, Message.builder(topic).payload("waits").build());
            await().atMost(Duration.ofSeconds(30)).until(() -> first.count() == 1);
            consumer.close();
            try (Connection connection = rawFactory().newConnection("polybus-test-peek")) {
                assertEquals(1, connection.createChannel().queueDeclarePassive(delayQueue).getMessageCount(),
                        "the copy waits in " + delayQueue);
            }
            AtomicLong redeliveredAfter = new AtomicLong();
            Recorder second = Recorder.then(d -> {
                redeliveredAfter.compareAndSet(0, System.nanoTime() - requeuedAt.get());
                d.ack();
            });
            broker.subscribe(ConsumerOptions.of(topic, group), second);
            await().atMost(Duration.ofSeconds(30)).until(() -> second.count() == 1);
            assertEquals(2, second.deliveries().get(0).attempt());
            assertEquals("waits", second.deliveries().get(0).message().payloadAsString());
            assertTrue(redeliveredAfter.get() >= Duration.ofMillis(1450).toNanos(),
                    "came back after " + Duration.ofNanos(redeliveredAfter.get()));
        }
    }

    @Test
    void aMessageDueLaterThanItWaitedWaitsAgainAndIsNotAnAttempt() throws Exception {
        String topic = topology.topic(prefix + "-t");
        String group = topology.group("g");
        try (Broker broker = open()) {
            AtomicLong deliveredAtMillis = new AtomicLong();
            Recorder recorder = Recorder.then(d -> {
                deliveredAtMillis.compareAndSet(0, System.currentTimeMillis());
                d.ack();
            });
            broker.subscribe(ConsumerOptions.of(topic, group), recorder);
            long due = System.currentTimeMillis() + 1450;
            try (Connection connection = rawFactory().newConnection("polybus-test-due")) {
                Channel channel = connection.createChannel();
                channel.confirmSelect();
                // As a copy that waited in the longest delay queue comes back: attempt 2, due later still.
                channel.basicPublish("", topic + "." + group, new AMQP.BasicProperties.Builder().messageId("m-due")
                        .headers(Map.of("polybus.attempt", 2, "polybus.due", due)).build(),
                        "due later".getBytes(StandardCharsets.UTF_8));
                channel.waitForConfirmsOrDie(30_000);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.count() == 1);
            assertTrue(deliveredAtMillis.get() >= due, "delivered " + (due - deliveredAtMillis.get()) + " ms early");
            assertEquals(2, recorder.deliveries().get(0).attempt());
            assertEquals(Map.of(), recorder.deliveries().get(0).message().headers());
        }
    }

    private static ConnectionFactory rawFactory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(5672);
        return factory;
    }

    @Test
    void channelErrorFailsTheSendClearlyAndSparesTheRestOfTheConnection() throws Exception {
        String existing = topology.topic(prefix + "-exists");
        String missing = topology.topic(prefix + "-missing");
        try (Broker setup = open()) {
            setup.subscribe(ConsumerOptions.of(existing, topology.group("g")), Recorder.acking()).close();
        }
        try (Broker broker = open("auto-create", "false")) {
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(existing, topology.group("g")), recorder);
            Producer other = broker.producer();
            sendNow(other, Message.builder(existing).payload("before").build());

            Producer producer = broker.producer();
            Throwable cause = failureOf(producer.send(Message.builder(missing).payload("lost").build()));
            assertInstanceOf(PolybusException.class, cause);
            assertTrue(cause.getMessage().contains("NOT_FOUND") && cause.getMessage().contains(missing)
                    && cause.getMessage().contains("auto-create"), cause.getMessage());

            sendNow(other, Message.builder(existing).payload("other producer").build());
            sendNow(producer, Message.builder(existing).payload("same producer, new channel").build());
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.sawPayload("other producer")
                    && recorder.sawPayload("same producer, new channel"));
        }
    }

    @Test
    void wrongPasswordIsAnAuthenticationErrorThatDoesNotShowIt() {
        AuthenticationException e = assertThrows(AuthenticationException.class,
                () -> open("password", "not-the-password-42"));
        assertTrue(e.getMessage().contains("guest") && e.getMessage().contains("127.0.0.1:5672"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password-42"), e.getMessage());
        assertFalse(e.isRetriable());
    }

    @Test
    void unreachableBrokerNamesHostAndPortAndIsRetriable() {
        BrokerUnavailableException e = assertThrows(BrokerUnavailableException.class,
                () -> open("port", "1", "connection-timeout", "2s"));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        assertTrue(e.isRetriable());
    }

    @Test
    void tlsAgainstAPlainPortFailsNamingHostAndPort() {
        PolybusException e = assertThrows(PolybusException.class, () -> open("tls", "true", "connection-timeout", "5s"));
        assertTrue(e.getMessage().contains("127.0.0.1:5672"), e.getMessage());
    }

    @Test
    void badConfigurationNamesTheKeyAndHidesSecrets() {
        ConfigException port = assertThrows(ConfigException.class, () -> open("port", "abc"));
        assertTrue(port.getMessage().contains("port") && port.getMessage().contains("abc"), port.getMessage());

        ConfigException type = assertThrows(ConfigException.class, () -> open("queue-type", "stream"));
        assertTrue(type.getMessage().contains("queue-type") && type.getMessage().contains("classic, quorum"),
                type.getMessage());

        ConfigException heartbeat = assertThrows(ConfigException.class, () -> open("heartbeat", "500ms"));
        assertTrue(heartbeat.getMessage().contains("heartbeat") && heartbeat.getMessage().contains("at least 1s"),
                heartbeat.getMessage());

        ConfigException uri = assertThrows(ConfigException.class, () -> open("uri", "amqp://u:s3cret@host:notaport/"));
        assertTrue(uri.getMessage().contains("uri"), uri.getMessage());
        assertFalse(uri.getMessage().contains("s3cret"), uri.getMessage());

        ConfigException unknown = assertThrows(ConfigException.class, () -> open("rabbitmq.no.such.setting", "1"));
        assertTrue(unknown.getMessage().contains("rabbitmq.no.such.setting"), unknown.getMessage());

        ConfigException value = assertThrows(ConfigException.class, () -> open("rabbitmq.connection.channel.max", "many"));
        assertTrue(value.getMessage().contains("rabbitmq.connection.channel.max"), value.getMessage());
    }

    @Test
    void uriAndPassThroughSettingsAreUsed() throws Exception {
        try (Broker broker = open("uri", "amqp://guest:guest@127.0.0.1:5672/%2F", "rabbitmq.connection.channel.max", "64")) {
            String topic = topology.topic(prefix + "-t");
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, topology.group("g")), recorder);
            try (Producer producer = broker.producer()) {
                sendNow(producer, Message.builder(topic).payload("via uri").build());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.sawPayload("via uri"));
        }
    }

    @Test
    void capabilitiesFollowTheConfiguration() {
        try (Broker broker = open()) {
            assertTrue(broker.capabilities().contains(Capability.PARTITIONED));
            assertTrue(broker.capabilities().contains(Capability.DURABLE));
            assertFalse(broker.capabilities().contains(Capability.ORDERED_BY_KEY));
            assertFalse(broker.capabilities().contains(Capability.REPLAY));
        }
        try (Broker broker = open("single-active-consumer", "true", "persistent", "false")) {
            assertTrue(broker.capabilities().contains(Capability.ORDERED_BY_KEY));
            assertFalse(broker.capabilities().contains(Capability.PARTITIONED));
            assertFalse(broker.capabilities().contains(Capability.DURABLE));
        }
    }

    @Test
    void deadLettersAreKeptInTheDeadLetterQueueWhenNoGroupReadsThem() throws Exception {
        String topic = topology.topic(prefix + "-t");
        try (Broker broker = open()) {
            broker.subscribe(ConsumerOptions.of(topic, topology.group("g")), d -> d.reject("not wanted"));
            try (Producer producer = broker.producer()) {
                sendNow(producer, Message.builder(topic).key("k").payload("poison").build());
            }
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost("127.0.0.1");
            try (Connection connection = factory.newConnection()) {
                Channel channel = connection.createChannel();
                GetResponse[] got = new GetResponse[1];
                await().atMost(Duration.ofSeconds(30)).until(() -> (got[0] = channel.basicGet(topic + ".dlq", true)) != null);
                assertEquals("poison", new String(got[0].getBody()));
                assertEquals(topic, got[0].getProps().getHeaders().get(DeadLetter.ORIGINAL_TOPIC).toString());
                assertEquals("not wanted", got[0].getProps().getHeaders().get(DeadLetter.ERROR).toString());
                assertNotNull(got[0].getProps().getHeaders().get(DeadLetter.GROUP));
            }
        }
    }

    @Test
    void quorumMessageNeverSettledIsDeadLetteredAfterMaxDeliveries() throws Exception {
        String topic = topology.topic(prefix + "-t");
        String group = topology.group("g");
        try (Broker broker = open("queue-type", "quorum")) {
            Recorder dead = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic + ".dlq", topology.group("dead")), dead);
            ConsumerOptions options = ConsumerOptions.builder(topic, group).maxDeliveries(2).build();
            try (Producer producer = broker.producer()) {
                for (int attempt = 1; attempt <= 2; attempt++) {
                    Recorder crashing = Recorder.holding();
                    io.polybus.Consumer consumer = broker.subscribe(options, crashing);
                    if (attempt == 1) {
                        sendNow(producer, Message.builder(topic).payload("crashes its consumers").build());
                    }
                    await().atMost(Duration.ofSeconds(30)).until(() -> crashing.count() == 1);
                    assertEquals(attempt, crashing.deliveries().get(0).attempt());
                    consumer.close();
                }
            }
            Recorder third = Recorder.acking();
            broker.subscribe(options, third);
            await().atMost(Duration.ofSeconds(30)).until(() -> dead.count() == 1);
            assertEquals("3", dead.deliveries().get(0).message().header(DeadLetter.ATTEMPTS));
            assertEquals(0, third.count(), "an exhausted message reached the handler");
        }
    }
}
