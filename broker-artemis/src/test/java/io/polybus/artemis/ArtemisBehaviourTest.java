package io.polybus.artemis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Brokers;
import io.polybus.Capability;
import io.polybus.ConfigException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.Receipt;
import io.polybus.testkit.Recorder;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.apache.activemq.artemis.utils.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What is particular to Artemis: credentials, configuration, topology, dead-letter queues, other clients. */
@ExtendWith(SharedArtemis.class)
class ArtemisBehaviourTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private String prefix;

    @BeforeEach
    void names(TestInfo info) {
        String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
        prefix = "amq-" + method.substring(0, Math.min(24, method.length())) + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }

    private Broker open(String... extra) {
        return Brokers.open(SharedArtemis.config(extra), meters);
    }

    /** A raw core session on the shared server, for what Polybus does not do (read a queue, send as another client). */
    private static ClientSession rawSession(ServerLocator locator) throws Exception {
        ClientSessionFactory factory = locator.createSessionFactory();
        ClientSession session = factory.createSession(ArtemisServer.USER, ArtemisServer.PASSWORD, false, true, true, false, 0);
        session.start();
        return session;
    }

    private static ServerLocator rawLocator() throws Exception {
        return ActiveMQClient.createServerLocator("tcp://127.0.0.1:" + SharedArtemis.server().port());
    }

    @Test
    void wrongPasswordIsAnAuthenticationErrorThatDoesNotShowIt() {
        AuthenticationException e = assertThrows(AuthenticationException.class,
                () -> open("password", "not-the-password-42"));
        assertTrue(e.getMessage().contains(ArtemisServer.USER) && e.getMessage().contains("127.0.0.1:"), e.getMessage());
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
    void badConfigurationNamesTheKeyAndHidesSecrets() {
        ConfigException port = assertThrows(ConfigException.class, () -> open("port", "abc"));
        assertTrue(port.getMessage().contains("port") && port.getMessage().contains("abc"), port.getMessage());

        ConfigException buckets = assertThrows(ConfigException.class, () -> open("group-buckets", "-2"));
        assertTrue(buckets.getMessage().contains("group-buckets") && buckets.getMessage().contains("-1"), buckets.getMessage());

        ConfigException unknown = assertThrows(ConfigException.class, () -> open("artemis.no.such.setting", "1"));
        assertTrue(unknown.getMessage().contains("artemis.no.such.setting"), unknown.getMessage());

        ConfigException managed = assertThrows(ConfigException.class, () -> open("artemis.reconnectAttempts", "-1"));
        assertTrue(managed.getMessage().contains("artemis.reconnectAttempts")
                && managed.getMessage().contains("the provider sets it"), managed.getMessage());

        ConfigException value = assertThrows(ConfigException.class, () -> open("artemis.consumerWindowSize", "many"));
        assertTrue(value.getMessage().contains("artemis.consumerWindowSize") && value.getMessage().contains("whole number"),
                value.getMessage());

        ConfigException secret = assertThrows(ConfigException.class, () -> open("artemis.keyStorePassword-typo", "s3cret"));
        assertFalse(secret.getMessage().contains("s3cret"), secret.getMessage());
    }

    @Test
    void passThroughSettingsAreUsed() throws Exception {
        // A consumer window of 0: the client fetches one message at a time instead of buffering.
        // Lower case as environment variables bring it: pass-through names match in any case.
        try (Broker broker = open("artemis.consumerWindowSize", "0", "artemis.producerwindowsize", "1048576")) {
            String topic = prefix + "-t";
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
            try (Producer producer = broker.producer()) {
                for (int i = 0; i < 3; i++) {
                    producer.send(Message.builder(topic).payload("m" + i).build()).get(30, TimeUnit.SECONDS);
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.count() == 3);
        }
    }

    @Test
    void capabilitiesFollowTheConfiguration() {
        try (Broker broker = open()) {
            assertTrue(broker.capabilities().contains(Capability.PARTITIONED));
            assertTrue(broker.capabilities().contains(Capability.ORDERED_BY_KEY));
            assertTrue(broker.capabilities().contains(Capability.DURABLE));
            assertFalse(broker.capabilities().contains(Capability.REPLAY));
        }
        try (Broker broker = open("group-buckets", "0", "persistent", "false")) {
            assertFalse(broker.capabilities().contains(Capability.ORDERED_BY_KEY));
            assertFalse(broker.capabilities().contains(Capability.DURABLE));
            assertTrue(broker.capabilities().contains(Capability.PARTITIONED));
        }
    }

    @Test
    void withoutAutoCreateAMissingGroupQueueFailsAtSubscribeNamingIt() {
        try (Broker broker = open("auto-create", "false")) {
            PolybusException e = assertThrows(PolybusException.class,
                    () -> broker.subscribe(ConsumerOptions.of(prefix + "-t", "g"), Recorder.acking()));
            assertTrue(e.getMessage().contains(prefix + "-t.g") && e.getMessage().contains("auto-create"), e.getMessage());
        }
    }

    @Test
    void deadLettersAreKeptInTheDeadLetterQueueWhenNoGroupReadsThem() throws Exception {
        String topic = prefix + "-t";
        try (Broker broker = open()) {
            broker.subscribe(ConsumerOptions.of(topic, "g"), d -> d.reject("not wanted"));
            try (Producer producer = broker.producer()) {
                producer.send(Message.builder(topic).key("k").payload("poison").build()).get(30, TimeUnit.SECONDS);
            }
            try (ServerLocator locator = rawLocator(); ClientSession session = rawSession(locator);
                 ClientConsumer reader = session.createConsumer(topic + ".dlq")) {
                ClientMessage letter = reader.receive(30_000);
                assertNotNull(letter, "no dead letter in queue " + topic + ".dlq");
                assertEquals(topic, letter.getStringProperty(DeadLetter.ORIGINAL_TOPIC));
                assertEquals("g", letter.getStringProperty(DeadLetter.GROUP));
                assertEquals("not wanted", letter.getStringProperty(DeadLetter.ERROR));
                assertEquals(topic + ".g", letter.getStringProperty("polybus.dlq.artemis-queue"));
                letter.individualAcknowledge();
            }
        }
    }

    @Test
    void messageWhoseConsumersCrashIsDeadLetteredAfterMaxDeliveries() throws Exception {
        String topic = prefix + "-t";
        try (Broker broker = open()) {
            Recorder dead = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic + ".dlq", "dead"), dead);
            ConsumerOptions options = ConsumerOptions.builder(topic, "g").maxDeliveries(2).build();
            broker.subscribe(options, Recorder.acking()).close();
            try (Producer producer = broker.producer()) {
                producer.send(Message.builder(topic).payload("crashes its consumers").build()).get(30, TimeUnit.SECONDS);
            }
            for (int delivery = 1; delivery <= 2; delivery++) {
                // A consumer that takes the message and dies with its connection: Artemis counts that delivery.
                try (ServerLocator locator = rawLocator()) {
                    ClientSession session = rawSession(locator);
                    ClientMessage m = session.createConsumer(topic + ".g").receive(30_000);
                    assertNotNull(m, "delivery " + delivery);
                    assertEquals(delivery, m.getDeliveryCount());
                    session.getSessionFactory().getConnection().fail(new ActiveMQException("simulated crash"));
                }
            }
            Recorder third = Recorder.acking();
            broker.subscribe(options, third);
            await().atMost(Duration.ofSeconds(30)).until(() -> dead.count() == 1);
            assertEquals("3", dead.deliveries().get(0).message().header(DeadLetter.ATTEMPTS));
            assertTrue(dead.deliveries().get(0).message().header(DeadLetter.ERROR).contains("never settled"));
            assertEquals(0, third.count(), "an exhausted message reached the handler");
        }
    }

    @Test
    void aConsumerThatClosesWithoutSettlingHandsTheMessageBackUncounted() throws Exception {
        String topic = prefix + "-t";
        try (Broker broker = open(); Producer producer = broker.producer()) {
            ConsumerOptions options = ConsumerOptions.of(topic, "g");
            Recorder first = Recorder.holding();
            Consumer consumer = broker.subscribe(options, first);
            producer.send(Message.builder(topic).payload("held").build()).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> first.count() == 1);
            consumer.close();
            Recorder second = Recorder.acking();
            broker.subscribe(options, second);
            await().atMost(Duration.ofSeconds(30)).until(() -> second.count() == 1);
            assertEquals(first.deliveries().get(0).message().id(), second.deliveries().get(0).message().id());
            assertEquals(1, second.deliveries().get(0).attempt(), "Artemis does not count a delivery its consumer closed on");
        }
    }

    @Test
    void messagesOfOtherCoreClientsAreReadWithTheirPropertiesGroupAndBody() throws Exception {
        String topic = prefix + "-t";
        try (Broker broker = open()) {
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
            try (ServerLocator locator = rawLocator(); ClientSession session = rawSession(locator);
                 ClientProducer producer = session.createProducer(topic)) {
                ClientMessage m = session.createMessage(ClientMessage.BYTES_TYPE, true);
                m.putStringProperty("origin", "jms-app");
                m.putIntProperty("count", 3);
                m.setGroupID("ключ");
                m.getBodyBuffer().writeBytes("from another client".getBytes(StandardCharsets.UTF_8));
                producer.send(m);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.count() == 1);
            Message got = recorder.deliveries().get(0).message();
            assertEquals("from another client", got.payloadAsString());
            assertEquals("jms-app", got.header("origin"));
            assertArrayEquals("ключ".getBytes(StandardCharsets.UTF_8), got.key());
            assertTrue(got.id().startsWith("artemis-"), got.id());
            assertFalse(got.headers().keySet().stream().anyMatch(h -> h.startsWith("_AMQ")), got.headers().toString());
        }
    }

    @Test
    void aMessageWithoutAGivenIdIsNamedByItsUserIdAsJmsClientsSeeIt() throws Exception {
        String topic = prefix + "-t";
        try (Broker broker = open(); ServerLocator locator = rawLocator(); ClientSession session = rawSession(locator)) {
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
            session.createQueue(QueueConfiguration.of(topic + ".raw").setAddress(topic)
                    .setRoutingType(RoutingType.MULTICAST).setDurable(true));
            Receipt receipt;
            try (Producer producer = broker.producer()) {
                receipt = producer.send(Message.builder(topic).payload("no id given").build()).get(30, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.count() == 1);
            assertEquals(receipt.messageId(), recorder.deliveries().get(0).message().id());
            try (ClientConsumer reader = session.createConsumer(topic + ".raw")) {
                ClientMessage raw = reader.receive(30_000);
                assertNotNull(raw, "nothing in queue " + topic + ".raw");
                assertNotNull(raw.getUserID(), "no user id: JMS clients would see no JMSMessageID");
                assertEquals(receipt.messageId(), raw.getUserID().toString());
                assertFalse(raw.containsProperty(SimpleString.of("polybus.id")), "the id also travels as a property");
                raw.individualAcknowledge();
            }
            session.deleteQueue(topic + ".raw");
        }
    }

    @Test
    void aUserIdAnotherClientSetIsTheIdAsItsClientsWriteIt() throws Exception {
        String topic = prefix + "-t";
        // Random bytes, so that every hex digit and the high bit of a byte turn up across runs; time-based, as
        // every client reads a user id back.
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        UUID userId = new UUID(UUID.TYPE_TIME_BASED, bytes);
        try (Broker broker = open()) {
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
            try (ServerLocator locator = rawLocator(); ClientSession session = rawSession(locator);
                 ClientProducer producer = session.createProducer(topic)) {
                ClientMessage m = session.createMessage(ClientMessage.BYTES_TYPE, true);
                m.setUserID(userId);
                producer.send(m);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.count() == 1);
            assertEquals(userId.toString(), recorder.deliveries().get(0).message().id());
        }
    }

    @Test
    void aQueueOfAnotherAddressIsNotTakenForTheGroup() throws Exception {
        String topic = prefix + "-t";
        try (ServerLocator locator = rawLocator(); ClientSession session = rawSession(locator)) {
            session.createQueue(QueueConfiguration.of(topic + ".g")
                    .setAddress(SimpleString.of(prefix + "-other")).setDurable(true));
        }
        try (Broker broker = open()) {
            PolybusException e = assertThrows(PolybusException.class,
                    () -> broker.subscribe(ConsumerOptions.of(topic, "g"), Recorder.acking()));
            assertTrue(e.getMessage().contains(prefix + "-other"), e.getMessage());
        }
    }
}
