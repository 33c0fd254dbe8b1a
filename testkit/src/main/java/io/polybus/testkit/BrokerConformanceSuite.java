package io.polybus.testkit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.polybus.AckMode;
import io.polybus.BatchHandler;
import io.polybus.BatchOptions;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Capability;
import io.polybus.Compression;
import io.polybus.ClosedException;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.Outcome;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.StartPosition;
import io.polybus.UnsupportedCapabilityException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CONTRACT.md as tests. A broker module extends this once, pointing {@link #brokerConfig()} at its real
 * broker; every test then runs against it. A capability the broker does not declare is asserted as
 * refused at open, never skipped. Every test uses its own topic and group names.
 */
public abstract class BrokerConformanceSuite {

    /** The broker section of a configuration, e.g. {@code type=kafka, bootstrap-servers=...}. */
    protected abstract Config brokerConfig();

    /** The longest any single wait for a delivery may take; brokers with slow redelivery may raise it. */
    protected Duration awaitTimeout() {
        return Duration.ofSeconds(30);
    }

    /** Options for a consumer in these tests; a module may tune broker-specific timing here. */
    protected ConsumerOptions.Builder consumerOptions(String topic, String group) {
        return ConsumerOptions.builder(topic, group);
    }

    protected Broker broker;
    protected SimpleMeterRegistry meters;
    protected String topic;
    private String prefix;
    private final AtomicInteger names = new AtomicInteger();

    @BeforeEach
    void openBroker(TestInfo info) {
        meters = new SimpleMeterRegistry();
        broker = Brokers.open(brokerConfig(), meters);
        String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
        prefix = "conf-" + method.substring(0, Math.min(24, method.length())) + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        topic = newTopic();
    }

    @AfterEach
    void closeBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** A topic name no other test or run uses. */
    protected String newTopic() {
        return prefix + "-t" + names.incrementAndGet();
    }

    /** A group name no other test or run uses. */
    protected String newGroup() {
        return prefix + "-g" + names.incrementAndGet();
    }

    protected Message text(String topic, String payload) {
        return Message.builder(topic).payload(payload).build();
    }

    protected void untilTrue(String what, Callable<Boolean> condition) {
        await(what).atMost(awaitTimeout()).pollInterval(Duration.ofMillis(10)).until(condition);
    }

    protected static Receipt sendNow(Producer producer, Message message) {
        try {
            return producer.send(message).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("send failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("send did not complete: " + e, e);
        }
    }

    /**
     * When the broker lacks {@code capability}, asserts that requiring it is refused at open (producer and
     * consumer), naming the broker and the capability, and returns false; returns true when the broker has it.
     */
    protected boolean hasOrRefuses(Capability capability) {
        if (broker.capabilities().contains(capability)) {
            return true;
        }
        UnsupportedCapabilityException onProducer = assertThrows(UnsupportedCapabilityException.class,
                () -> broker.producer(ProducerOptions.builder().require(capability).build()));
        assertTrue(onProducer.getMessage().contains(broker.type()) && onProducer.getMessage().contains(capability.name()),
                onProducer.getMessage());
        UnsupportedCapabilityException onConsumer = assertThrows(UnsupportedCapabilityException.class,
                () -> broker.subscribe(consumerOptions(topic, newGroup()).require(capability).build(), Recorder.acking()));
        assertEquals(Set.of(capability), onConsumer.missing());
        return false;
    }

    /** Publishes a marker after everything else and waits until {@code recorder} saw it. */
    private void drainedUpTo(Producer producer, String topic, Recorder recorder) {
        String marker = "marker-" + names.incrementAndGet();
        sendNow(producer, text(topic, marker));
        untilTrue("marker delivered", () -> recorder.sawPayload(marker));
    }

    // ---- Promise 1: a send succeeds only when the broker has it ----

    @Test
    void sendCompletesWithReceiptAndMessageArrives() {
        Recorder recorder = Recorder.acking();
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            Receipt receipt = sendNow(producer, text(topic, "hello"));
            assertEquals(topic, receipt.topic());
            assertNotNull(receipt.messageId());
            assertNotNull(receipt.position());
            untilTrue("message delivered", () -> recorder.count() == 1);
            Delivery d = recorder.deliveries().get(0);
            assertEquals(receipt.messageId(), d.message().id(), "the receipt names the id consumers see");
            assertEquals(1, d.attempt());
        }
    }

    @Test
    void sendAllCompletesOnceTheBrokerHasEveryMessage() throws Exception {
        Recorder recorder = Recorder.acking();
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            List<Message> batch = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                batch.add(text(topic, "b" + i));
            }
            producer.sendAll(batch).get(30, TimeUnit.SECONDS);
            producer.sendAll(List.of()).get(1, TimeUnit.SECONDS);
            untilTrue("every message of the batch delivered", () -> recorder.count() >= 300);
            Set<String> payloads = recorder.deliveries().stream()
                    .map(d -> new String(d.message().payload(), StandardCharsets.UTF_8)).collect(Collectors.toSet());
            assertEquals(batch.stream().map(m -> new String(m.payload(), StandardCharsets.UTF_8)).collect(Collectors.toSet()),
                    payloads);
        }
    }

    @Test
    void sendAllWithAMessageOverTheBrokerMaximumFailsNamingTheLimit() {
        long limit = broker.maxMessageBytes();
        try (Producer producer = broker.producer()) {
            Message tooLarge = Message.builder(topic).payload(new byte[(int) Math.min(Integer.MAX_VALUE - 16, limit + 1)]).build();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.sendAll(List.of(text(topic, "fits"), tooLarge)).get(60, TimeUnit.SECONDS));
            MessageTooLargeException cause = assertInstanceOf(MessageTooLargeException.class, e.getCause());
            assertTrue(cause.getMessage().contains(Long.toString(cause.limit())), cause.getMessage());
            sendNow(producer, text(topic, "still fine"));
        }
    }

    @Test
    void aGivenIdAndTimestampAreWhatConsumersSee() {
        Recorder recorder = Recorder.acking();
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            String id = "order-42-" + topic;
            Message message = Message.builder(topic).id(id).timestampMillis(1_500_000_000_123L).payload("given").build();
            assertEquals(id, sendNow(producer, message).messageId());
            untilTrue("message delivered", () -> recorder.count() == 1);
            Message got = recorder.deliveries().get(0).message();
            assertEquals(id, got.id());
            assertEquals(1_500_000_000_123L, got.timestampMillis());
        }
    }

    @Test
    void aMessageKeepsTheIdItsReceiptNamesThroughRequeueAndDeadLetter() {
        Recorder dead = Recorder.acking();
        boolean deadLetters = broker.capabilities().contains(Capability.DEAD_LETTER);
        if (deadLetters) {
            broker.subscribe(consumerOptions(topic + ConsumerOptions.DEAD_LETTER_SUFFIX, newGroup()).build(), dead);
        }
        Recorder recorder = Recorder.then(d -> {
            if (d.attempt() == 1) {
                d.requeue("once more");
            } else {
                d.reject("enough");
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            Map<String, String> idByPayload = Map.of(
                    "no id given", sendNow(producer, text(topic, "no id given")).messageId(),
                    "id given", sendNow(producer, Message.builder(topic).id("given-" + topic).payload("id given").build())
                            .messageId());
            assertEquals("given-" + topic, idByPayload.get("id given"));
            assertFalse(idByPayload.get("no id given").equals(idByPayload.get("id given")));
            untilTrue("second attempts", () -> recorder.count() == 4);
            for (Delivery d : recorder.deliveries()) {
                assertEquals(idByPayload.get(d.message().payloadAsString()), d.message().id(),
                        "attempt " + d.attempt() + " of '" + d.message().payloadAsString() + "'");
            }
            if (deadLetters) {
                untilTrue("dead letters", () -> dead.count() == 2);
                for (Delivery d : dead.deliveries()) {
                    assertEquals(idByPayload.get(d.message().payloadAsString()), d.message().id(),
                            "dead letter of '" + d.message().payloadAsString() + "'");
                }
            }
        }
    }

    @Test
    void sendAfterCloseFailsTheFuture() {
        Producer producer = broker.producer();
        producer.close();
        CompletableFuture<Receipt> future = producer.send(text(topic, "late"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        assertInstanceOf(ClosedException.class, e.getCause());
    }

    // ---- Promise 2: at least once ----

    @Test
    void unackedMessageIsRedeliveredAfterConsumerCloses() {
        if (!hasOrRefuses(Capability.AT_LEAST_ONCE)) {
            return;
        }
        String group = newGroup();
        Recorder first = Recorder.holding();
        Consumer consumer = broker.subscribe(consumerOptions(topic, group).build(), first);
        try (Producer producer = broker.producer()) {
            Receipt receipt = sendNow(producer, text(topic, "not acked"));
            untilTrue("first delivery", () -> first.count() == 1);
            consumer.close();

            Recorder second = Recorder.acking();
            broker.subscribe(consumerOptions(topic, group).build(), second);
            untilTrue("redelivery to the group", () -> second.count() >= 1);
            assertEquals(receipt.messageId(), second.deliveries().get(0).message().id());
            assertTrue(second.deliveries().get(0).attempt() >= 1);
        }
    }

    @Test
    void consumerCloseLeavesOnlyUnackedMessagesForRedelivery() {
        if (!hasOrRefuses(Capability.AT_LEAST_ONCE)) {
            return;
        }
        String group = newGroup();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Recorder first = Recorder.then(d -> {
            int n = Integer.parseInt(d.message().payloadAsString().substring(1));
            if (n < 5) {
                d.ack();
                acked.add(d.message().id());
            }
        });
        Consumer consumer = broker.subscribe(consumerOptions(topic, group).prefetch(20).build(), first);
        try (Producer producer = broker.producer()) {
            Map<String, String> sent = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                Message m = Message.builder(topic).key("one-key").payload("m" + i).build();
                sent.put(sendNow(producer, m).messageId(), m.payloadAsString());
            }
            untilTrue("ten deliveries", () -> first.count() == 10);
            consumer.close();

            Recorder second = Recorder.acking();
            broker.subscribe(consumerOptions(topic, group).build(), second);
            drainedUpTo(producer, topic, second);
            Set<String> redelivered = second.deliveries().stream().map(d -> d.message().id()).collect(Collectors.toSet());
            sent.forEach((id, payload) -> {
                if (acked.contains(id)) {
                    assertFalse(redelivered.contains(id), "acked message " + payload + " came again");
                } else {
                    assertTrue(redelivered.contains(id), "unacked message " + payload + " was lost");
                }
            });
            assertEquals(5, acked.size());
        }
    }

    // ---- Promise 3: outcomes ----

    @Test
    void requeueDeliversAgainWithAttemptPlusOne() {
        List<Integer> attempts = new ArrayList<>();
        Recorder recorder = Recorder.then(d -> {
            synchronized (attempts) {
                attempts.add(d.attempt());
            }
            if (d.attempt() < 3) {
                d.requeue("try again");
            } else {
                d.ack();
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "requeue me"));
            untilTrue("third attempt", () -> recorder.count() == 3);
            drainedUpTo(producer, topic, recorder);
            synchronized (attempts) {
                assertEquals(List.of(1, 2, 3), attempts.subList(0, 3));
            }
        }
    }

    @Test
    void messageRequeuedWithDelayIsNotDeliveredBeforeItAndIsAfter() {
        Duration delay = Duration.ofSeconds(2);
        if (!broker.capabilities().contains(Capability.DELAYED_REQUEUE)) {
            requeueWithDelayIsRefused(delay);
            return;
        }
        Map<String, Long> requeuedAt = new ConcurrentHashMap<>();
        List<Long> redeliveredAfterNanos = new CopyOnWriteArrayList<>();
        List<String> order = new CopyOnWriteArrayList<>();
        Recorder recorder = Recorder.then(d -> {
            order.add(d.message().payloadAsString() + "#" + d.attempt());
            if (d.message().payloadAsString().equals("later") && d.attempt() == 1) {
                requeuedAt.put(d.message().id(), System.nanoTime());
                d.requeue("not yet", delay);
            } else {
                Long at = requeuedAt.get(d.message().id());
                if (at != null) {
                    redeliveredAfterNanos.add(System.nanoTime() - at);
                }
                d.ack();
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, Message.builder(topic).key("a").payload("later").build());
            untilTrue("first delivery requeued", () -> requeuedAt.size() == 1);
            sendNow(producer, Message.builder(topic).key("b").payload("meanwhile").build());
            untilTrue("redelivery after the delay", () -> redeliveredAfterNanos.size() == 1);
            assertTrue(redeliveredAfterNanos.get(0) >= delay.toNanos(),
                    "redelivered " + Duration.ofNanos(redeliveredAfterNanos.get(0)) + " after a requeue with " + delay);
            assertEquals(List.of("later#1", "meanwhile#1"), order.subList(0, 2), "other messages flow while one waits");
            assertTrue(order.get(2).startsWith("later#") && Integer.parseInt(order.get(2).substring(6)) >= 2,
                    "the waiting one comes back with a higher attempt: " + order);
        }
    }

    /**
     * On a broker without DELAYED_REQUEUE: a back-off is refused at subscribe, and a requeue with a delay is
     * refused without settling the delivery, which then can still be requeued at once.
     */
    private void requeueWithDelayIsRefused(Duration delay) {
        UnsupportedCapabilityException atOpen = assertThrows(UnsupportedCapabilityException.class,
                () -> broker.subscribe(consumerOptions(topic, newGroup())
                        .retryBackoff(delay, 2, delay.multipliedBy(4)).build(), Recorder.acking()));
        assertEquals(Set.of(Capability.DELAYED_REQUEUE), atOpen.missing());
        assertTrue(atOpen.getMessage().contains(broker.type()), atOpen.getMessage());
        AtomicReference<Throwable> refused = new AtomicReference<>();
        Recorder recorder = Recorder.then(d -> {
            if (d.attempt() == 1) {
                try {
                    d.requeue("not yet", delay);
                } catch (UnsupportedCapabilityException e) {
                    refused.set(e);
                    d.requeue("at once then");
                }
            } else {
                d.ack();
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "later"));
            untilTrue("requeued at once after the refusal", () -> recorder.count() >= 2);
            assertInstanceOf(UnsupportedCapabilityException.class, refused.get());
            assertEquals(2, recorder.deliveries().get(1).attempt());
        }
    }

    @Test
    void retryBackoffDelaysGrowWithEachAttempt() {
        if (!hasOrRefuses(Capability.DELAYED_REQUEUE)) {
            return;
        }
        Duration initial = Duration.ofMillis(300);
        List<Long> deliveredAt = new CopyOnWriteArrayList<>();
        Recorder recorder = Recorder.then(d -> {
            deliveredAt.add(System.nanoTime());
            if (d.attempt() < 4) {
                d.requeue("backing off");
            } else {
                d.ack();
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).maxDeliveries(5)
                .retryBackoff(initial, 2, Duration.ofSeconds(5)).build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "back off"));
            untilTrue("fourth attempt", () -> recorder.count() == 4);
            for (int attempt = 1; attempt <= 3; attempt++) {
                long gap = deliveredAt.get(attempt) - deliveredAt.get(attempt - 1);
                Duration least = initial.multipliedBy(1L << (attempt - 1));
                assertTrue(gap >= least.toNanos(), "attempt " + (attempt + 1) + " came " + Duration.ofNanos(gap)
                        + " after attempt " + attempt + ", its back-off is " + least);
            }
            assertEquals(List.of(1, 2, 3, 4), recorder.deliveries().stream().map(Delivery::attempt).toList());
        }
    }

    @Test
    void exhaustedMessageIsDeadLetteredWithDocumentedHeaders() {
        if (!hasOrRefuses(Capability.DEAD_LETTER)) {
            return;
        }
        String group = newGroup();
        Recorder dead = Recorder.acking();
        broker.subscribe(consumerOptions(topic + ConsumerOptions.DEAD_LETTER_SUFFIX, newGroup()).build(), dead);
        Recorder recorder = Recorder.then(d -> d.requeue("boom " + d.attempt()));
        broker.subscribe(consumerOptions(topic, group).maxDeliveries(3).build(), recorder);
        try (Producer producer = broker.producer()) {
            Message message = Message.builder(topic).key("k1").payload("poison").header("origin", "test").build();
            sendNow(producer, message);
            untilTrue("dead letter", () -> dead.count() == 1);
            Message letter = dead.deliveries().get(0).message();
            assertEquals(topic + ".dlq", letter.topic());
            assertEquals("poison", letter.payloadAsString());
            assertEquals("k1", letter.keyAsString());
            assertEquals("test", letter.header("origin"));
            assertEquals(topic, letter.header(DeadLetter.ORIGINAL_TOPIC));
            assertEquals(group, letter.header(DeadLetter.GROUP));
            assertEquals("3", letter.header(DeadLetter.ATTEMPTS));
            assertTrue(letter.header(DeadLetter.ERROR).contains("boom 3"), letter.header(DeadLetter.ERROR));
            assertEquals(3, recorder.count(), "delivered exactly maxDeliveries times");
            untilTrue("dead letter counted", () -> counter("dead_letter") == 1.0);
        }
    }

    @Test
    void rejectDeadLettersAtOnce() {
        if (!hasOrRefuses(Capability.DEAD_LETTER)) {
            return;
        }
        Recorder dead = Recorder.acking();
        broker.subscribe(consumerOptions(topic + ".dlq", newGroup()).build(), dead);
        Recorder recorder = Recorder.then(d -> d.reject("bad input"));
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "reject me"));
            untilTrue("dead letter", () -> dead.count() == 1);
            Message letter = dead.deliveries().get(0).message();
            assertEquals("1", letter.header(DeadLetter.ATTEMPTS));
            assertEquals("bad input", letter.header(DeadLetter.ERROR));
            assertEquals(1, recorder.count());
        }
    }

    @Test
    void rejectWithoutDeadLetterTopicDropsAndCounts() {
        Recorder recorder = Recorder.then(d -> {
            if (d.message().payloadAsString().equals("drop me")) {
                d.reject("unwanted");
            } else {
                d.ack();
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).noDeadLetter().build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "drop me"));
            untilTrue("the message to drop delivered", () -> recorder.sawPayload("drop me"));
            drainedUpTo(producer, topic, recorder);
            assertEquals(1, recorder.payloads().stream().filter("drop me"::equals).count());
            untilTrue("drop counted", () -> counter("dropped") == 1.0);
        }
    }

    @Test
    void secondOutcomeForTheSameDeliveryIsANoOp() {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Recorder recorder = Recorder.then(d -> {
            try {
                d.ack();
                d.ack();
                d.requeue("late");
                d.reject("late");
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "once"));
            drainedUpTo(producer, topic, recorder);
            sendNow(producer, text(topic, "still working"));
            untilTrue("consumer still works", () -> recorder.sawPayload("still working"));
            assertEquals(1, recorder.payloads().stream().filter("once"::equals).count(), "acked message came again");
            assertEquals(null, failure.get());
            assertEquals(0.0, counter("requeue"));
        }
    }

    @Test
    void autoAckModeAcksOnReturnAndAppliesErrorOutcomeOnThrow() {
        Recorder recorder = Recorder.then(d -> {
            if (d.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).ackMode(AckMode.AUTO).onHandlerError(Outcome.REQUEUE).build(),
                recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "auto"));
            untilTrue("second attempt", () -> recorder.payloads().stream().filter("auto"::equals).count() == 2);
            drainedUpTo(producer, topic, recorder);
            assertEquals(2, recorder.payloads().stream().filter("auto"::equals).count());
        }
    }

    @Test
    void handlerErrorWithRejectOutcomeDeadLetters() {
        if (!hasOrRefuses(Capability.DEAD_LETTER)) {
            return;
        }
        Recorder dead = Recorder.acking();
        broker.subscribe(consumerOptions(topic + ".dlq", newGroup()).build(), dead);
        broker.subscribe(consumerOptions(topic, newGroup()).ackMode(AckMode.AUTO).onHandlerError(Outcome.REJECT).build(),
                d -> {
                    throw new IllegalArgumentException("cannot parse");
                });
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "unparseable"));
            untilTrue("dead letter", () -> dead.count() == 1);
            assertTrue(dead.deliveries().get(0).message().header(DeadLetter.ERROR).contains("cannot parse"));
        }
    }

    // ---- Promise 4: groups ----

    @Test
    void twoGroupsEachGetEveryMessage() {
        if (!hasOrRefuses(Capability.FANOUT)) {
            return;
        }
        Recorder a = Recorder.acking();
        Recorder b = Recorder.acking();
        broker.subscribe(consumerOptions(topic, newGroup()).build(), a);
        broker.subscribe(consumerOptions(topic, newGroup()).build(), b);
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < 100; i++) {
                producer.send(text(topic, "m" + i));
            }
            producer.flush();
            untilTrue("group a got all", () -> a.count() >= 100);
            untilTrue("group b got all", () -> b.count() >= 100);
            assertEquals(100, Set.copyOf(a.payloads()).size());
            assertEquals(100, Set.copyOf(b.payloads()).size());
        }
    }

    @Test
    void consumersOfOneGroupShareMessagesWithoutDuplicates() {
        if (!hasOrRefuses(Capability.PARTITIONED)) {
            return;
        }
        String group = newGroup();
        List<Recorder> members = List.of(Recorder.acking(), Recorder.acking(), Recorder.acking());
        for (Recorder r : members) {
            broker.subscribe(consumerOptions(topic, group).build(), r);
        }
        int n = 3000;
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < n; i++) {
                producer.send(Message.builder(topic).key("key-" + i).payload("m" + i).build());
            }
            producer.flush();
            untilTrue("all delivered", () -> members.stream().mapToInt(Recorder::count).sum() >= n);
        }
        Map<String, Integer> seen = new HashMap<>();
        members.forEach(r -> r.deliveries().forEach(d -> seen.merge(d.message().id(), 1, Integer::sum)));
        assertEquals(n, seen.size());
        assertTrue(seen.values().stream().allMatch(c -> c == 1), "a message was processed twice in one group");
        assertTrue(members.stream().filter(r -> r.count() > 0).count() >= 2,
                "messages were not shared: " + members.stream().map(Recorder::count).toList());
    }

    // ---- Promise 5: order ----

    @Test
    void messagesOfOneKeyArriveInOrder() {
        if (!hasOrRefuses(Capability.ORDERED_BY_KEY)) {
            return;
        }
        int keys = 10;
        int perKey = 1000;
        Map<String, List<Integer>> received = new ConcurrentHashMap<>();
        Recorder recorder = Recorder.then(d -> {
            String[] parts = d.message().payloadAsString().split(":");
            received.computeIfAbsent(parts[0], k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(Integer.parseInt(parts[1]));
            d.ack();
        });
        broker.subscribe(consumerOptions(topic, newGroup()).concurrency(4).prefetch(500).build(), recorder);
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < perKey; i++) {
                for (int k = 0; k < keys; k++) {
                    producer.send(Message.builder(topic).key("key-" + k).payload("key-" + k + ":" + i).build());
                }
            }
            producer.flush();
            untilTrue("all delivered", () -> recorder.count() >= keys * perKey);
        }
        assertEquals(keys, received.size());
        received.forEach((key, seq) -> {
            for (int i = 0; i < seq.size(); i++) {
                assertEquals(i, seq.get(i), "order broken for " + key);
            }
        });
    }

    // ---- Compression ----

    @Test
    void compressedPayloadsReachTheHandlerAsSentWithEveryCodec() {
        Recorder recorder = Recorder.acking();
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        String line = "2026-12-01 10:00:00,000 INFO [worker-0] io.example.Orders - order accepted amount=42446\n";
        Map<Message, String> sent = new HashMap<>();
        for (Compression compression : Compression.values()) {
            try (Producer producer = broker.producer(ProducerOptions.builder().compression(compression).build())) {
                Message m = Message.builder(topic).key("k").payload(line.repeat(100) + compression)
                        .header("codec", compression.configName()).build();
                sent.put(m, sendNow(producer, m).messageId());
            }
        }
        untilTrue("every compressed message delivered", () -> recorder.count() >= sent.size());
        Map<String, Message> byCodec = recorder.deliveries().stream()
                .collect(Collectors.toMap(d -> d.message().header("codec"), Delivery::message, (x, y) -> x));
        for (Message m : sent.keySet()) {
            Message got = byCodec.get(m.header("codec"));
            assertNotNull(got, "not received: " + m);
            assertArrayEquals(m.payload(), got.payload(), "payload sent with " + m.header("codec"));
            assertEquals(sent.get(m), got.id(), "the id the receipt names");
            assertNull(got.header(Compression.HEADER), "the handler sees the message as sent");
        }
    }

    @Test
    void aBatchSentWithEveryCodecReachesTheHandlerAsSent() throws Exception {
        Recorder recorder = Recorder.acking();
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        String line = "2026-12-01 10:00:00,000 INFO [worker-0] io.example.Orders - order accepted amount=42446\n";
        Map<String, Message> sent = new HashMap<>();
        for (Compression compression : Compression.values()) {
            try (Producer producer = broker.producer(ProducerOptions.builder().compression(compression).build())) {
                List<Message> batch = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    String name = compression.configName() + "-" + i;
                    Message m = Message.builder(topic).payload(line.repeat(50) + name).header("name", name).build();
                    batch.add(m);
                    sent.put(name, m);
                }
                producer.sendAll(batch).get(30, TimeUnit.SECONDS);
            }
        }
        untilTrue("every message of every batch delivered", () -> recorder.count() >= sent.size());
        Map<String, Message> byName = recorder.deliveries().stream()
                .collect(Collectors.toMap(d -> d.message().header("name"), Delivery::message, (x, y) -> x));
        for (Map.Entry<String, Message> e : sent.entrySet()) {
            Message got = byName.get(e.getKey());
            assertNotNull(got, "not received: " + e.getKey());
            assertArrayEquals(e.getValue().payload(), got.payload(), "payload of " + e.getKey());
            assertNull(got.header(Compression.HEADER), "the handler sees the message as sent");
        }
    }

    @Test
    void aPayloadThatDoesNotDecompressIsRejectedNotHandled() {
        if (!hasOrRefuses(Capability.DEAD_LETTER)) {
            return;
        }
        Recorder dead = Recorder.acking();
        broker.subscribe(consumerOptions(topic + ".dlq", newGroup()).build(), dead);
        Recorder recorder = Recorder.acking();
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, Message.builder(topic).payload("not zstd").header(Compression.HEADER, "zstd").build());
            sendNow(producer, text(topic, "after"));
            untilTrue("dead letter", () -> dead.count() == 1);
            untilTrue("the next message handled", () -> recorder.sawPayload("after"));
            assertEquals(1, recorder.count(), "the broken message never reached the handler");
            Message letter = dead.deliveries().get(0).message();
            assertTrue(letter.header(DeadLetter.ERROR).contains("cannot decompress"), letter.header(DeadLetter.ERROR));
            assertEquals("not zstd", letter.payloadAsString(), "the dead letter keeps what was sent");
        }
    }

    // ---- Trace context ----

    @Test
    void aDeliveryContinuesTheTraceOfItsSend() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        SdkTracerProvider tracing = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
        GlobalOpenTelemetry.resetForTest();
        GlobalOpenTelemetry.set(OpenTelemetrySdk.builder().setTracerProvider(tracing).build());
        try {
            AtomicReference<SpanContext> inHandler = new AtomicReference<>();
            Recorder recorder = Recorder.then(d -> {
                inHandler.set(Span.current().getSpanContext());
                d.ack();
            });
            String group = newGroup();
            broker.subscribe(consumerOptions(topic, group).build(), recorder);
            Span request = GlobalOpenTelemetry.getTracer("test").spanBuilder("request").startSpan();
            try (Scope ignored = request.makeCurrent(); Producer producer = broker.producer()) {
                sendNow(producer, text(topic, "traced"));
            } finally {
                request.end();
            }
            untilTrue("the message was handled in a span", () -> spans.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getKind() == SpanKind.CONSUMER));
            SpanData send = onlySpan(spans.getFinishedSpanItems(), SpanKind.PRODUCER);
            SpanData process = onlySpan(spans.getFinishedSpanItems(), SpanKind.CONSUMER);
            assertEquals(request.getSpanContext().getSpanId(), send.getParentSpanId(), "the send continues the sender's span");
            assertEquals(send.getTraceId(), process.getTraceId(), "one trace from sender to handler");
            assertEquals(send.getSpanId(), process.getParentSpanId(), "the consumer span's parent is the producer span");
            assertEquals(process.getSpanContext(), inHandler.get(), "the handler runs in the consumer span");
            String traceparent = recorder.deliveries().get(0).message().header("traceparent");
            assertTrue(traceparent != null && traceparent.startsWith("00-" + send.getTraceId() + "-" + send.getSpanId() + "-"),
                    "W3C trace context in the headers: " + traceparent);
            assertEquals("send " + topic, send.getName());
            assertEquals("process " + topic, process.getName());
            for (SpanData span : List.of(send, process)) {
                assertEquals(broker.type(), span.getAttributes().get(AttributeKey.stringKey("messaging.system")));
                assertEquals(topic, span.getAttributes().get(AttributeKey.stringKey("messaging.destination.name")));
            }
            assertEquals(group, process.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name")));
        } finally {
            GlobalOpenTelemetry.resetForTest();
            tracing.close();
        }
    }

    private static SpanData onlySpan(List<SpanData> spans, SpanKind kind) {
        List<SpanData> of = spans.stream().filter(s -> s.getKind() == kind).toList();
        assertEquals(1, of.size(), kind + " spans: " + of);
        return of.get(0);
    }

    // ---- Promise 6: fidelity ----

    @Test
    void emptyBinaryAndLargePayloadsAndUnicodeHeadersArriveByteForByte() {
        Recorder recorder = Recorder.acking();
        broker.subscribe(consumerOptions(topic, newGroup()).build(), recorder);
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        byte[] large = new byte[(int) Math.min(1024 * 1024, broker.maxMessageBytes() - 1024)];
        new Random(42).nextBytes(large);
        byte[] binaryKey = {0, (byte) 0xff, 10, 13, 0};
        List<Message> sent = List.of(
                Message.builder(topic).payload(new byte[0]).build(),
                Message.builder(topic).key(binaryKey).payload(binary).build(),
                Message.builder(topic).payload(large).header("size", "near the limit").build(),
                Message.builder(topic).key("clé-ключ-鍵").payload("ünïcödé ✓ 🚀")
                        .header("grüße", "приве́т, 世界 🚀").header("empty", "").build());
        List<String> ids = new ArrayList<>();
        try (Producer producer = broker.producer()) {
            for (Message m : sent) {
                ids.add(sendNow(producer, m).messageId());
            }
            untilTrue("all delivered", () -> recorder.count() >= sent.size());
        }
        Map<String, Message> byId = recorder.deliveries().stream()
                .collect(Collectors.toMap(d -> d.message().id(), Delivery::message, (x, y) -> x));
        for (int i = 0; i < sent.size(); i++) {
            Message m = sent.get(i);
            Message got = byId.get(ids.get(i));
            assertNotNull(got, "message " + m + " not received");
            assertArrayEquals(m.key(), got.key(), "key of " + m);
            assertArrayEquals(m.payload(), got.payload(), "payload of " + m);
            for (Map.Entry<String, String> h : m.headers().entrySet()) {
                assertEquals(h.getValue(), got.header(h.getKey()), "header " + h.getKey());
            }
            assertEquals(m.topic(), got.topic());
        }
    }

    @Test
    void messageOverTheBrokerMaximumFailsAtSendNamingTheLimit() {
        long limit = broker.maxMessageBytes();
        assertTrue(limit >= 1_000_000, "brokers accept messages of at least 1 MB; this one says " + limit);
        try (Producer producer = broker.producer()) {
            Message tooLarge = Message.builder(topic).payload(new byte[(int) Math.min(Integer.MAX_VALUE - 16, limit + 1)]).build();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(tooLarge).get(60, TimeUnit.SECONDS));
            MessageTooLargeException cause = assertInstanceOf(MessageTooLargeException.class, e.getCause());
            assertTrue(cause.getMessage().contains(Long.toString(cause.limit())), cause.getMessage());
            assertTrue(cause.limit() > 0 && cause.limit() <= limit, "limit " + cause.limit());
            sendNow(producer, text(topic, "still fine"));
        }
    }

    // ---- Promise 7: bounded memory ----

    @Test
    void consumerHoldsAtMostItsPrefetch() {
        Recorder recorder = Recorder.holding();
        broker.subscribe(consumerOptions(topic, newGroup()).prefetch(5).build(), recorder);
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < 20; i++) {
                producer.send(text(topic, "m" + i));
            }
            producer.flush();
            untilTrue("prefetch filled", () -> recorder.count() == 5);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> recorder.count() == 5);
            List<Delivery> firstFive = List.copyOf(recorder.deliveries());
            firstFive.forEach(Delivery::ack);
            untilTrue("next five after acks", () -> recorder.count() == 10);
        }
    }

    // ---- Promise 8: close ----

    @Test
    void producerCloseCompletesEveryFuture() {
        Producer producer = broker.producer();
        List<CompletableFuture<Receipt>> futures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            futures.add(producer.send(text(topic, "m" + i)));
        }
        producer.close();
        assertTrue(futures.stream().allMatch(CompletableFuture::isDone), "close returned with pending futures");
        producer.close();
    }

    @Test
    void consumerCloseWaitsForRunningHandlerAndIsIdempotent() throws Exception {
        String group = newGroup();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        Recorder recorder = Recorder.then(d -> {
            if (d.message().payloadAsString().equals("slow")) {
                started.countDown();
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            d.ack();
        });
        Consumer consumer = broker.subscribe(consumerOptions(topic, group).build(), recorder);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "slow"));
            assertTrue(started.await(awaitTimeout().toMillis(), TimeUnit.MILLISECONDS));
            AtomicBoolean closed = new AtomicBoolean();
            Thread closer = new Thread(() -> {
                consumer.close();
                closed.set(true);
            });
            closer.start();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !closed.get());
            gate.countDown();
            closer.join(awaitTimeout().toMillis());
            assertTrue(closed.get(), "close did not return after the handler finished");
            consumer.close();

            Recorder next = Recorder.acking();
            broker.subscribe(consumerOptions(topic, group).build(), next);
            drainedUpTo(producer, topic, next);
            assertFalse(next.sawPayload("slow"), "the handler's ack before close was lost");
        }
    }

    // ---- Batches: a batch handler over the per-delivery path ----

    /** Every batch a handler was called with, in call order; acks each delivery unless told otherwise. */
    private static final class Batches implements BatchHandler {
        private final List<List<Delivery>> calls = new CopyOnWriteArrayList<>();
        private final java.util.function.Consumer<List<Delivery>> then;

        Batches(java.util.function.Consumer<List<Delivery>> then) {
            this.then = then;
        }

        @Override
        public void handle(List<Delivery> batch) {
            calls.add(batch);
            then.accept(batch);
        }

        List<Delivery> deliveries() {
            return calls.stream().flatMap(List::stream).toList();
        }

        long seen(String payload, int attempt) {
            return deliveries().stream()
                    .filter(d -> d.message().payloadAsString().equals(payload) && d.attempt() == attempt).count();
        }

        long seen(String payload) {
            return deliveries().stream().filter(d -> d.message().payloadAsString().equals(payload)).count();
        }
    }

    private void batchDrainedUpTo(Producer producer, Batches batches) {
        String marker = "marker-" + names.incrementAndGet();
        sendNow(producer, text(topic, marker));
        untilTrue("marker delivered", () -> batches.seen(marker) > 0);
    }

    @Test
    void aBatchNeverExceedsItsMaxSizeAndAutoAckSettlesItsDeliveries() {
        String group = newGroup();
        Batches batches = new Batches(batch -> { });
        Consumer consumer = broker.subscribe(consumerOptions(topic, group).ackMode(AckMode.AUTO).build(),
                BatchOptions.of(5, Duration.ofMillis(200)), batches);
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < 23; i++) {
                producer.send(text(topic, "m" + i));
            }
            producer.flush();
            untilTrue("23 deliveries in batches", () -> batches.deliveries().size() >= 23);
            batchDrainedUpTo(producer, batches);
            assertEquals(24, batches.deliveries().stream().map(d -> d.message().payloadAsString()).distinct().count());
            assertEquals(24, batches.deliveries().size(), "an auto-acked delivery came again");
            for (List<Delivery> call : batches.calls) {
                assertTrue(call.size() <= 5, "a batch of " + call.size() + " exceeds the max size 5");
            }
        }
        consumer.close();
    }

    @Test
    void aPartialBatchIsHandedOverAfterMaxWait() {
        Batches batches = new Batches(batch -> batch.forEach(Delivery::ack));
        broker.subscribe(consumerOptions(topic, newGroup()).build(), BatchOptions.of(100, Duration.ofMillis(300)), batches);
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < 3; i++) {
                sendNow(producer, text(topic, "m" + i));
            }
            untilTrue("three deliveries without a full batch", () -> batches.deliveries().size() == 3);
            assertTrue(batches.calls.stream().allMatch(call -> call.size() <= 3));
        }
    }

    @Test
    void settlingOneDeliveryOfABatchSettlesNoneOfTheOthers() {
        Batches batches = new Batches(batch -> batch.forEach(d -> {
            if (d.message().payloadAsString().equals("requeue") && d.attempt() == 1) {
                d.requeue("only this one");
            } else {
                d.ack();
            }
        }));
        broker.subscribe(consumerOptions(topic, newGroup()).build(), BatchOptions.of(10, Duration.ofMillis(500)), batches);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "ack"));
            sendNow(producer, text(topic, "requeue"));
            untilTrue("the requeued delivery comes again", () -> batches.seen("requeue", 2) == 1);
            batchDrainedUpTo(producer, batches);
            assertEquals(1, batches.seen("ack"), "acking one delivery of a batch requeued it with its neighbour");
        }
    }

    @Test
    void aThrowingBatchHandlerRequeuesOnlyTheDeliveriesItLeftUnsettled() {
        Batches batches = new Batches(batch -> {
            boolean fail = false;
            for (Delivery d : batch) {
                if (d.message().payloadAsString().startsWith("b") && d.attempt() == 1) {
                    fail = true;
                } else {
                    d.ack();
                }
            }
            if (fail) {
                throw new IllegalStateException("bulk write failed");
            }
        });
        broker.subscribe(consumerOptions(topic, newGroup()).build(), BatchOptions.of(10, Duration.ofMillis(500)), batches);
        try (Producer producer = broker.producer()) {
            for (String payload : List.of("a1", "b1", "a2", "b2")) {
                sendNow(producer, text(topic, payload));
            }
            untilTrue("the unsettled deliveries come again", () -> batches.seen("b1", 2) == 1 && batches.seen("b2", 2) == 1);
            batchDrainedUpTo(producer, batches);
            assertEquals(1, batches.seen("a1"), "a delivery acked before the throw was requeued");
            assertEquals(1, batches.seen("a2"), "a delivery acked before the throw was requeued");
        }
    }

    @Test
    void closingABatchConsumerLeavesItsUnsettledDeliveriesForRedelivery() {
        if (!hasOrRefuses(Capability.AT_LEAST_ONCE)) {
            return;
        }
        String group = newGroup();
        Batches first = new Batches(batch -> batch.stream()
                .filter(d -> d.message().payloadAsString().equals("done")).forEach(Delivery::ack));
        Consumer consumer = broker.subscribe(consumerOptions(topic, group).build(), BatchOptions.of(10, Duration.ofMillis(200)), first);
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "done"));
            sendNow(producer, text(topic, "open"));
            untilTrue("both handled", () -> first.seen("done") == 1 && first.seen("open") == 1);
            consumer.close();
            consumer.close();

            Batches second = new Batches(batch -> batch.forEach(Delivery::ack));
            broker.subscribe(consumerOptions(topic, group).build(), BatchOptions.of(10, Duration.ofMillis(200)), second);
            untilTrue("the unsettled delivery comes again", () -> second.seen("open") == 1);
            batchDrainedUpTo(producer, second);
            assertEquals(0, second.seen("done"), "a delivery acked in a batch came again after close");
        }
    }

    @Test
    void aBatchLargerThanThePrefetchIsRefusedAtSubscribe() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> broker.subscribe(
                consumerOptions(topic, newGroup()).prefetch(4).build(), BatchOptions.of(5, Duration.ofSeconds(1)), batch -> { }));
        assertTrue(e.getMessage().contains("prefetch 4"), e.getMessage());
    }

    // ---- Promise 9: capabilities ----

    @Test
    void everyCapabilityIsEitherUsableOrRefusedAtOpen() {
        for (Capability c : Capability.values()) {
            if (broker.capabilities().contains(c)) {
                broker.producer(ProducerOptions.builder().require(c).build()).close();
                broker.subscribe(consumerOptions(topic, newGroup()).require(c).build(), Recorder.acking()).close();
            } else {
                hasOrRefuses(c);
            }
        }
        List<String> listed = Brokers.available().stream().map(i -> i.type()).toList();
        assertTrue(listed.contains(broker.type()), listed.toString());
    }

    @Test
    void newGroupReplaysFromEarliestWhereSupported() {
        if (!broker.capabilities().contains(Capability.REPLAY)) {
            UnsupportedCapabilityException e = assertThrows(UnsupportedCapabilityException.class,
                    () -> broker.subscribe(consumerOptions(topic, newGroup()).startFrom(StartPosition.EARLIEST).build(),
                            Recorder.acking()));
            assertEquals(EnumSet.of(Capability.REPLAY), e.missing());
            return;
        }
        try (Producer producer = broker.producer()) {
            sendNow(producer, text(topic, "before the group"));
            Recorder recorder = Recorder.acking();
            broker.subscribe(consumerOptions(topic, newGroup()).startFrom(StartPosition.EARLIEST).build(), recorder);
            untilTrue("replayed", () -> recorder.sawPayload("before the group"));
        }
    }

    // ---- Ephemeral groups: nothing left behind ----

    @Test
    void anEphemeralGroupWorksWhileOpenAndKeepsNothingAfterClose() {
        String group = newGroup();
        boolean redelivers = broker.capabilities().contains(Capability.AT_LEAST_ONCE);
        Recorder first = Recorder.then(d -> {
            if (redelivers && d.attempt() == 1) {
                d.requeue("once more, through whatever the broker keeps for requeues");
            } else {
                d.ack();
            }
        });
        Consumer ephemeral = broker.subscribe(consumerOptions(topic, group).ephemeral().build(), first);
        try (Producer producer = broker.producer()) {
            sendNow(producer, Message.builder(topic).key("k").payload("while open").build());
            untilTrue("delivered" + (redelivers ? " twice" : ""), () -> first.count() == (redelivers ? 2 : 1));
            ephemeral.close();

            sendNow(producer, Message.builder(topic).key("k").payload("after close").build());
            Recorder second = Recorder.acking();
            broker.subscribe(consumerOptions(topic, group).ephemeral().build(), second);
            sendNow(producer, Message.builder(topic).key("k").payload("marker").build());
            untilTrue("marker delivered", () -> second.sawPayload("marker"));
            if (broker.capabilities().contains(Capability.FANOUT)) {
                assertFalse(second.sawPayload("after close"), "the group was kept after its ephemeral consumer closed: "
                        + second.payloads());
            } else {
                // Without fan-out the topic is one queue that every consumer shares: it keeps what it holds.
                untilTrue("the topic's queue kept its message", () -> second.sawPayload("after close"));
            }
        }
    }

    // ---- Promise 10: errors speak ----

    @Test
    void unknownConfigurationKeyIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Brokers.open(brokerConfig().with("no-such-key", "1"), meters));
        assertTrue(e.getMessage().contains("no-such-key"), e.getMessage());
    }

    @Test
    void unknownBrokerTypeListsTheTypesFound() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Brokers.open(brokerConfig().with("type", "carrier-pigeon"), meters));
        assertTrue(e.getMessage().contains("carrier-pigeon") && e.getMessage().contains(broker.type()), e.getMessage());
    }

    // ---- helpers ----

    private double counter(String outcome) {
        return meters.find("polybus.consumer.outcomes").tag("outcome", outcome).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }
}
