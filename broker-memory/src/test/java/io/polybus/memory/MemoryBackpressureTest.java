package io.polybus.memory;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Backpressure;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.BufferFullException;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CONTRACT 7 on the producer side: a group whose consumers lag holds at most max-group-bytes. */
class MemoryBackpressureTest {
    private static final byte[] KIB = new byte[1024];

    @Test
    void sendsWaitOrFailWhenAGroupIsFullAndResumeOnceItDrains() throws Exception {
        String name = "backpressure-" + UUID.randomUUID();
        try (Broker broker = Brokers.open(Config.of("type", "memory", "name", name, "max-group-bytes", "4KiB"),
                new SimpleMeterRegistry())) {
            Recorder holding = Recorder.holding();
            broker.subscribe(ConsumerOptions.builder("t", "slow").prefetch(1000).build(), holding);
            Producer failFast = broker.producer(ProducerOptions.builder().backpressure(Backpressure.FAIL).build());
            for (int i = 0; i < 4; i++) {
                failFast.send(Message.builder("t").payload(KIB).build()).get(10, TimeUnit.SECONDS);
            }

            ExecutionException full = assertThrows(ExecutionException.class,
                    () -> failFast.send(Message.builder("t").payload(KIB).build()).get(10, TimeUnit.SECONDS));
            BufferFullException cause = assertInstanceOf(BufferFullException.class, full.getCause());
            assertTrue(cause.getMessage().contains("max-group-bytes") && cause.getMessage().contains("slow"), cause.getMessage());

            Producer blocking = broker.producer(ProducerOptions.builder().blockTimeout(Duration.ofSeconds(30)).build());
            CompletableFuture<CompletableFuture<?>> waiting = CompletableFuture.supplyAsync(
                    () -> blocking.send(Message.builder("t").payload("after the wait").build()));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

            await().atMost(Duration.ofSeconds(10)).until(() -> holding.count() == 4);
            List.copyOf(holding.deliveries()).forEach(Delivery::ack);
            waiting.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> holding.sawPayload("after the wait"));
        }
    }

    @Test
    void withoutMaxGroupBytesAGroupHoldsAnEighthOfTheHeap() throws Exception {
        long limit = Runtime.getRuntime().maxMemory() / 8;
        byte[] mib = new byte[1 << 20]; // shared by every message (unsafePayload): the test itself stays small
        String name = "heap-bound-" + UUID.randomUUID();
        try (Broker broker = Brokers.open(Config.of("type", "memory", "name", name), new SimpleMeterRegistry())) {
            broker.subscribe(ConsumerOptions.builder("t", "slow").prefetch(1).build(), Recorder.holding());
            Producer failFast = broker.producer(ProducerOptions.builder().backpressure(Backpressure.FAIL).build());
            long sent = 0;
            ExecutionException full = null;
            while (full == null && sent <= limit + 2L * mib.length) {
                try {
                    failFast.send(Message.builder("t").unsafePayload(mib).build()).get(10, TimeUnit.SECONDS);
                    sent += mib.length;
                } catch (ExecutionException e) {
                    full = e;
                }
            }
            assertTrue(full != null, "a group took " + sent + " bytes, more than an eighth of the heap (" + limit + ")");
            assertInstanceOf(BufferFullException.class, full.getCause());
            assertTrue(full.getCause().getMessage().contains("its limit is " + limit + " (max-group-bytes)"), full.getCause().getMessage());
        }
    }
}
