package io.polybus.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.BatchOptions;
import io.polybus.Broker;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.spring.internal.ListenerContainer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The starter on the memory broker: wiring, listeners, outcomes, lifecycle, errors and health. */
class PolybusAutoConfigurationTest {
    private static final AtomicLong NAMES = new AtomicLong(System.nanoTime() % 1_000_000);

    private final String name = "sb-" + NAMES.incrementAndGet();
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PolybusAutoConfiguration.class))
            .withPropertyValues("polybus.broker.type=memory", "polybus.broker.name=" + name, "app.topic=" + name + "-orders");

    /** Records what its annotated methods receive. */
    static class Orders {
        final List<Message> orders = new CopyOnWriteArrayList<>();
        final List<List<Delivery>> batches = new CopyOnWriteArrayList<>();
        final List<Delivery> failing = new CopyOnWriteArrayList<>();
        final List<Delivery> deadLetters = new CopyOnWriteArrayList<>();

        @PolybusListener(topic = "${app.topic}", group = "billing")
        void onOrder(Message order) {
            orders.add(order);
        }

        @PolybusListener(topic = "${app.topic}", group = "archive", batchSize = 3, batchWaitMs = 200)
        void archive(List<Delivery> batch) {
            batches.add(batch);
        }

        @PolybusListener(topic = "${app.topic}-failing", group = "billing", maxDeliveries = 2)
        void alwaysFails(Delivery delivery) {
            failing.add(delivery);
            throw new IllegalStateException("ledger down");
        }

        @PolybusListener(topic = "${app.topic}-failing.dlq", group = "ops")
        void deadLetters(Delivery delivery) {
            deadLetters.add(delivery);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class WithOrders {
        @Bean
        Orders orders() {
            return new Orders();
        }

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void propertiesBecomeABrokerAProducerAndMetersInTheApplicationRegistry() {
        runner.withUserConfiguration(WithOrders.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Broker.class).hasSingleBean(Producer.class)
                    .hasSingleBean(ListenerContainer.class);
            assertThat(context.getBean(Broker.class).type()).isEqualTo("memory");
            assertThat(context.getBean(ListenerContainer.class).running()).hasSize(4);
            assertThat(context.getBean(MeterRegistry.class).find("polybus.consumer.outcomes").meters()).isNotEmpty();
        });
    }

    @Test
    void aProducedMessageReachesTheAnnotatedListenerAndTheBatchListener() {
        runner.withUserConfiguration(WithOrders.class).run(context -> {
            Producer producer = context.getBean(Producer.class);
            Orders orders = context.getBean(Orders.class);
            for (int i = 0; i < 7; i++) {
                producer.send(Message.builder(name + "-orders").payload("order-" + i).build()).get(10, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> orders.orders.size() == 7
                    && orders.batches.stream().mapToInt(List::size).sum() == 7);
            assertThat(orders.orders).extracting(Message::payloadAsString)
                    .containsExactlyInAnyOrder("order-0", "order-1", "order-2", "order-3", "order-4", "order-5", "order-6");
            assertThat(orders.batches).allSatisfy(batch -> assertThat(batch).hasSizeLessThanOrEqualTo(3));
        });
    }

    @Test
    void aThrowingListenerIsRequeuedThenDeadLettered() {
        runner.withUserConfiguration(WithOrders.class).run(context -> {
            Orders orders = context.getBean(Orders.class);
            context.getBean(Producer.class).send(Message.builder(name + "-orders-failing").payload("x").build())
                    .get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> orders.deadLetters.size() == 1);
            assertThat(orders.failing).extracting(Delivery::attempt).containsExactly(1, 2);
            Message dead = orders.deadLetters.get(0).message();
            assertThat(dead.headers().get(DeadLetter.ATTEMPTS)).isEqualTo("2");
            assertThat(dead.headers().get(DeadLetter.ERROR)).contains("ledger down");
        });
    }

    /** Fails its first two attempts, with the back-off that {@code app.retry-backoff} sets. */
    static class Retrying {
        final List<Long> attemptsAt = new CopyOnWriteArrayList<>();

        @PolybusListener(topic = "${app.topic}-retrying", group = "billing", retryBackoff = "${app.retry-backoff}")
        void onOrder(Delivery delivery) {
            attemptsAt.add(System.nanoTime());
            if (delivery.attempt() < 3) {
                throw new IllegalStateException("ledger slow");
            }
        }
    }

    @Test
    void retryBackoffMakesEachRequeueOfAListenerWaitLonger() {
        runner.withPropertyValues("app.retry-backoff=300ms, 2, 5s").withBean(Retrying.class).run(context -> {
            Retrying retrying = context.getBean(Retrying.class);
            context.getBean(Producer.class).send(Message.builder(name + "-orders-retrying").payload("x").build())
                    .get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> retrying.attemptsAt.size() == 3);
            assertThat(retrying.attemptsAt.get(1) - retrying.attemptsAt.get(0)).isGreaterThanOrEqualTo(
                    Duration.ofMillis(300).toNanos());
            assertThat(retrying.attemptsAt.get(2) - retrying.attemptsAt.get(1)).isGreaterThanOrEqualTo(
                    Duration.ofMillis(600).toNanos());
        });
    }

    @Test
    void aRetryBackoffThatDoesNotParseFailsTheStartNamingIt() {
        runner.withPropertyValues("app.retry-backoff=300ms, 2").withBean("retrying", Retrying.class)
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("@PolybusListener method onOrder of bean 'retrying': retryBackoff '300ms, 2'"));
    }

    /** A listener bean whose handler waits for a gate. */
    @Configuration(proxyBeanMethods = false)
    static class WithSlowSubscription {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicBoolean finished = new AtomicBoolean();

        @Bean
        PolybusSubscription slow() {
            return PolybusSubscription.of(ConsumerOptions.builder("slow", "g").ackMode(AckMode.AUTO).build(), d -> {
                started.countDown();
                gate.await(30, TimeUnit.SECONDS);
                finished.set(true);
            });
        }

        @Bean
        PolybusSubscription batches() {
            return PolybusSubscription.ofBatches(ConsumerOptions.of("slow", "batches"),
                    BatchOptions.of(10, Duration.ofMillis(100)), batch -> batch.forEach(Delivery::ack));
        }
    }

    @Test
    void closingTheContextWaitsForRunningHandlersThenStopsTheListeners() throws Exception {
        WithSlowSubscription slow = new WithSlowSubscription();
        runner.withBean(WithSlowSubscription.class, () -> slow).run(context -> {
            context.getBean(Producer.class).send(Message.builder("slow").payload("x").build()).get(10, TimeUnit.SECONDS);
            assertThat(slow.started.await(10, TimeUnit.SECONDS)).isTrue();
            ListenerContainer container = context.getBean(ListenerContainer.class);
            AtomicBoolean closed = new AtomicBoolean();
            Thread closer = new Thread(() -> {
                ((ConfigurableApplicationContext) context.getSourceApplicationContext()).close();
                closed.set(true);
            });
            closer.start();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !closed.get());
            slow.gate.countDown();
            closer.join(10_000);
            assertThat(closed).isTrue();
            assertThat(slow.finished).isTrue();
            assertThat(container.isRunning()).isFalse();
            assertThat(container.running()).isEmpty();
        });
    }

    @Test
    void anUnknownBrokerKeyFailsTheStartNamingTheKey() {
        runner.withPropertyValues("polybus.broker.nmae=typo").run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("polybus.broker.nmae"));
    }

    @Test
    void nestedKeysReachTheBrokerJoinedWithDots() {
        runner.withPropertyValues("polybus.broker.kafka.linger.ms=5").run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("polybus.broker.kafka.linger.ms"));
    }

    @Test
    void anUnknownBrokerTypeFailsTheStartListingTheTypesFound() {
        runner.withPropertyValues("polybus.broker.type=kafak").run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("polybus.broker.type").hasMessageContaining("memory"));
    }

    static class BadSignature {
        @PolybusListener(topic = "t", group = "g")
        void onOrder(String payload) {
        }
    }

    @Test
    void aListenerMethodOfAnotherShapeFailsTheStartNamingBeanAndMethod() {
        runner.withBean("badSignature", BadSignature.class).run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("onOrder").hasMessageContaining("badSignature"));
    }

    @Test
    void aBatchLargerThanThePrefetchFailsTheStart() {
        runner.withBean(PolybusSubscription.class, () -> PolybusSubscription.ofBatches(
                ConsumerOptions.builder("t", "g").prefetch(2).build(), BatchOptions.of(3, Duration.ofSeconds(1)), b -> { }))
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("prefetch 2"));
    }

    @Test
    void healthIsUpWithTheBrokerAndItsListeners() {
        runner.withUserConfiguration(WithOrders.class).run(context -> {
            Health health = context.getBean("polybusHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("type", "memory");
            assertThat((List<?>) health.getDetails().get("listeners")).hasSize(4);
        });
    }

    @Test
    void theHealthIndicatorCanBeTurnedOff() {
        runner.withPropertyValues("management.health.polybus.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("polybusHealthIndicator"));
    }

    @Test
    void theJarDescribesItsPropertiesForIdes() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("spring-boot-configuration-processor wrote the metadata").isNotNull();
            String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(metadata).contains("\"polybus.broker\"").contains("\"polybus.broker.keys\"");
        }
    }
}
