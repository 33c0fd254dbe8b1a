package io.polybus.rocketmq;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.Receipt;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RocketMQ (name server and broker) stopped and started again under a running producer and consumer, on a broker of the test's own. */
class RocketMqRestartTest {
    private static RocketMqServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = RocketMqServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void producerTellsTheTruthAndConsumerRecoversWhenTheServerRestarts() throws Exception {
        Config config = server.config();
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
                    CompletableFuture<Receipt> f = producer.send(Message.builder("restart").key("k" + i % 7)
                            .payload("m" + i++).build());
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
                            // Pacing, not synchronisation: about 50 messages per acknowledgement round trip.
                            f.get(10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            pause();
                        }
                    }
                }
            }, "restart-test-sender");
            sender.start();

            await("acknowledged sends before the restart").atMost(Duration.ofSeconds(60)).until(() -> confirmedCount.get() >= 500);
            server.stopBroker();
            await("sends fail while the server is down").atMost(Duration.ofSeconds(60)).until(() -> !failures.isEmpty());
            int confirmedWhileDown = confirmedCount.get();
            server.startBroker();
            await("acknowledged sends after the restart").atMost(Duration.ofSeconds(180))
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
            await("every acknowledged message consumed by the same consumer").atMost(Duration.ofSeconds(180))
                    .until(() -> received.keySet().containsAll(confirmed));
            assertEquals(confirmed.size(), confirmed.stream().filter(received::containsKey).count());
            consumer.close();
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
