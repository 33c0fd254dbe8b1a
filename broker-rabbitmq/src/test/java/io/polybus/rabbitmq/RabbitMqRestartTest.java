package io.polybus.rabbitmq;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Backpressure;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * RabbitMQ stopped and started again, or blocking publishers, under a running producer and consumer, on a
 * node of the test's own.
 */
class RabbitMqRestartTest {
    private static IsolatedRabbit rabbit;

    @BeforeAll
    static void startNode() throws Exception {
        assumeTrue(IsolatedRabbit.available(), "rabbitmq-server is not installed");
        rabbit = IsolatedRabbit.start();
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (rabbit != null) {
            rabbit.close();
        }
    }

    @Test
    void producerTellsTheTruthAndConsumerRecoversWhenTheServerRestarts() throws Exception {
        Config config = Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", Integer.toString(rabbit.port()),
                "recovery-interval", "300ms", "connection-name", "polybus-restart-test");
        Map<String, Integer> received = new ConcurrentHashMap<>();
        List<CompletableFuture<Receipt>> futures = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        AtomicInteger confirmedCount = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();

        try (Broker broker = Brokers.open(config, new SimpleMeterRegistry())) {
            Consumer consumer = broker.subscribe(ConsumerOptions.builder("restart", "g").prefetch(100).build(), d -> {
                received.merge(d.message().id(), 1, Integer::sum);
                d.ack();
            });
            Producer producer = broker.producer();
            Thread sender = new Thread(() -> {
                int i = 0;
                while (!stop.get()) {
                    CompletableFuture<Receipt> f = producer.send(Message.builder("restart").payload("m" + i++).build());
                    futures.add(f);
                    f.whenComplete((r, e) -> {
                        if (e == null) {
                            confirmed.add(r.messageId());
                            confirmedCount.incrementAndGet();
                        } else {
                            failures.add(e);
                        }
                    });
                    if (i % 50 == 0 || f.isCompletedExceptionally()) {
                        try {
                            // Pacing, not synchronisation: about 50 messages per confirm round trip.
                            f.get(10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            pause();
                        }
                    }
                }
            }, "restart-test-sender");
            sender.start();

            await("confirms before the restart").atMost(Duration.ofSeconds(60)).until(() -> confirmedCount.get() >= 500);
            rabbit.stopNode();
            await("sends fail while the server is down").atMost(Duration.ofSeconds(60)).until(() -> !failures.isEmpty());
            int confirmedWhileDown = confirmedCount.get();
            rabbit.startNode();
            await("confirms after the restart").atMost(Duration.ofSeconds(90))
                    .until(() -> confirmedCount.get() >= confirmedWhileDown + 500);
            stop.set(true);
            sender.join(30_000);
            producer.close();
            assertTrue(futures.stream().allMatch(CompletableFuture::isDone), "every send was answered");

            for (Throwable failure : failures) {
                Throwable cause = failure instanceof ExecutionException ? failure.getCause() : failure;
                assertTrue(cause instanceof PolybusException p && p.isRetriable(),
                        "a send failed with a non-retriable or untyped error: " + cause);
            }
            await("every confirmed message consumed by the same consumer").atMost(Duration.ofSeconds(90))
                    .until(() -> received.keySet().containsAll(confirmed));
            assertEquals(confirmed.size(), confirmed.stream().filter(received::containsKey).count());
            consumer.close();
        }
    }

    @Test
    void sendsFailFastOrWaitWhileRabbitBlocksPublishers() throws Exception {
        Config config = Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", Integer.toString(rabbit.port()),
                "connection-name", "polybus-alarm-test");
        try (Broker broker = Brokers.open(config, new SimpleMeterRegistry())) {
            Recorder recorder = Recorder.acking();
            broker.subscribe(ConsumerOptions.of("alarm", "g"), recorder);
            Producer failing = broker.producer(ProducerOptions.builder().backpressure(Backpressure.FAIL).build());
            failing.send(Message.builder("alarm").payload("before").build()).get(30, TimeUnit.SECONDS);

            List<CompletableFuture<Receipt>> held = new CopyOnWriteArrayList<>();
            rabbit.memoryAlarm(true);
            try {
                await("RabbitMQ blocks the connection").atMost(Duration.ofSeconds(60)).until(() -> {
                    CompletableFuture<Receipt> f = failing.send(Message.builder("alarm").payload("during").build());
                    if (f.isCompletedExceptionally()) {
                        Throwable cause = assertThrows(ExecutionException.class, f::get).getCause();
                        assertInstanceOf(BrokerUnavailableException.class, cause);
                        assertTrue(cause.getMessage().contains("blocks publishing"), cause.getMessage());
                        return true;
                    }
                    held.add(f);
                    return false;
                });
                Producer waiting = broker.producer(ProducerOptions.builder().blockTimeout(Duration.ofSeconds(60)).build());
                CompletableFuture<CompletableFuture<Receipt>> send = CompletableFuture.supplyAsync(
                        () -> waiting.send(Message.builder("alarm").payload("waited").build()));
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !send.isDone());
                rabbit.memoryAlarm(false);
                send.get(60, TimeUnit.SECONDS).get(60, TimeUnit.SECONDS);
            } finally {
                rabbit.memoryAlarm(false);
            }
            for (CompletableFuture<Receipt> f : held) {
                f.get(60, TimeUnit.SECONDS);
            }
            failing.send(Message.builder("alarm").payload("after").build()).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.sawPayload("waited") && recorder.sawPayload("after")
                    && recorder.count() >= held.size() + 3);
        }
    }

    @Test
    void consumersKeepReceivingAndAckingWhileRabbitBlocksPublishers() throws Exception {
        Config config = Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", Integer.toString(rabbit.port()),
                "connection-name", "polybus-alarm-consume-test",
                // Bounds the subscribe below: on a blocked connection its declarations would never be answered.
                "rabbitmq.channel.rpc.timeout", "20000");
        try (Broker broker = Brokers.open(config, new SimpleMeterRegistry())) {
            broker.subscribe(ConsumerOptions.of("alarm-consume", "g"), Recorder.acking()).close();
            Producer producer = broker.producer(ProducerOptions.builder().backpressure(Backpressure.FAIL).build());
            for (int i = 0; i < 100; i++) {
                producer.send(Message.builder("alarm-consume").payload("queued " + i).build()).get(30, TimeUnit.SECONDS);
            }
            rabbit.memoryAlarm(true);
            try {
                await("RabbitMQ blocks the publishing connection").atMost(Duration.ofSeconds(60)).until(() ->
                        producer.send(Message.builder("alarm-consume").payload("during").build()).isCompletedExceptionally());
                // Ten times its prefetch: only a consumer whose acks RabbitMQ still reads gets them all.
                Recorder recorder = Recorder.acking();
                broker.subscribe(ConsumerOptions.builder("alarm-consume", "g").prefetch(10).build(), recorder);
                await("every queued message while publishing is blocked").atMost(Duration.ofSeconds(30))
                        .until(() -> recorder.count() >= 100);
            } finally {
                rabbit.memoryAlarm(false);
            }
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
