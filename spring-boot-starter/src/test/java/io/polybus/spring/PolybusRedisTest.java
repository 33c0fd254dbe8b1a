package io.polybus.spring;

import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.spring.internal.ListenerContainer;
import io.polybus.testkit.DocSnippets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter on a real broker: docs/spring-boot.md's application.yml as written, against the shared Redis at
 * 127.0.0.1:6379 (a key prefix of its own per test, deleted after), and a Redis of its own on port 26379 that the
 * health test stops.
 */
class PolybusRedisTest {
    private static final int OWN_REDIS_PORT = 26379;

    private final String prefix = "polybus-test:spring:" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36) + ":";
    private Process ownRedis;

    /** Records what its annotated methods receive; the topic comes from the example's {@code app.orders-topic}. */
    static class Orders {
        final List<Message> orders = new CopyOnWriteArrayList<>();
        final List<Delivery> archived = new CopyOnWriteArrayList<>();
        final List<Delivery> failing = new CopyOnWriteArrayList<>();
        final List<Delivery> deadLetters = new CopyOnWriteArrayList<>();

        @PolybusListener(topic = "${app.orders-topic}", group = "billing")
        void onOrder(Message order) {
            orders.add(order);
        }

        @PolybusListener(topic = "${app.orders-topic}", group = "archive", batchSize = 10, batchWaitMs = 200)
        void archive(List<Delivery> batch) {
            archived.addAll(batch);
        }

        @PolybusListener(topic = "${app.orders-topic}-failing", group = "billing", maxDeliveries = 2)
        void alwaysFails(Delivery delivery) {
            failing.add(delivery);
            throw new IllegalStateException("ledger down");
        }

        @PolybusListener(topic = "${app.orders-topic}-failing.dlq", group = "ops")
        void deadLetters(Delivery delivery) {
            deadLetters.add(delivery);
        }
    }

    private ApplicationContextRunner exampleRunner(Map<String, Object> overrides) {
        String yaml = DocSnippets.yaml(Path.of("..", "docs", "spring-boot.md"), "application");
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PolybusAutoConfiguration.class))
                .withInitializer(context -> {
                    var sources = context.getEnvironment().getPropertySources();
                    sources.addFirst(new MapPropertySource("test-overrides", overrides));
                    try {
                        for (PropertySource<?> source : new YamlPropertySourceLoader()
                                .load("application.yml", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))) {
                            sources.addLast(source);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .withBean(Orders.class);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try (Jedis jedis = new Jedis("127.0.0.1", 6379)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, new ScanParams().match(prefix + "*").count(1000));
                if (!page.getResult().isEmpty()) {
                    jedis.del(page.getResult().toArray(new String[0]));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        if (ownRedis != null) {
            ownRedis.destroy();
            ownRedis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theDocumentedExampleRunsListenersOnRedisAndDeadLettersAFailingOne() {
        exampleRunner(Map.of("SHOP_KEY_PREFIX", prefix, "polybus.broker.poll-timeout", "200ms")).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Broker.class).type()).isEqualTo("redis");
            Producer producer = context.getBean(Producer.class);
            Orders orders = context.getBean(Orders.class);
            producer.send(Message.builder("orders").payload("order-1").build()).get(10, TimeUnit.SECONDS);
            producer.send(Message.builder("orders-failing").payload("order-2").build()).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> orders.orders.size() == 1 && orders.archived.size() == 1
                    && orders.deadLetters.size() == 1);
            assertThat(orders.archived.get(0).message().payloadAsString()).isEqualTo("order-1");
            assertThat(orders.orders.get(0).payloadAsString()).isEqualTo("order-1");
            assertThat(orders.failing).extracting(Delivery::attempt).containsExactly(1, 2);
            assertThat(orders.deadLetters.get(0).message().headers().get(DeadLetter.ERROR)).contains("ledger down");
            try (Jedis jedis = new Jedis("127.0.0.1", 6379)) {
                assertThat(jedis.exists(prefix + "orders")).as("the example's key-prefix reached the broker").isTrue();
            }
            HealthIndicator health = context.getBean("polybusHealthIndicator", HealthIndicator.class);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void closingTheContextLeavesOnlyTheUnsettledDeliveriesForTheNextStart() {
        Map<String, Object> overrides = Map.of("SHOP_KEY_PREFIX", prefix, "polybus.broker.poll-timeout", "200ms",
                "polybus.broker.visibility-timeout", "1s");
        List<Delivery> first = new CopyOnWriteArrayList<>();
        exampleRunner(overrides).withBean(PolybusSubscription.class, () -> PolybusSubscription.of(
                ConsumerOptions.of("jobs", "workers"), delivery -> {
                    first.add(delivery);
                    if (delivery.message().payloadAsString().equals("done")) {
                        delivery.ack();
                    }
                })).run(context -> {
                    Producer producer = context.getBean(Producer.class);
                    producer.send(Message.builder("jobs").payload("done").build()).get(10, TimeUnit.SECONDS);
                    producer.send(Message.builder("jobs").payload("open").build()).get(10, TimeUnit.SECONDS);
                    await().atMost(Duration.ofSeconds(30)).until(() -> first.size() == 2);
                });

        List<Delivery> second = new CopyOnWriteArrayList<>();
        exampleRunner(overrides).withBean(PolybusSubscription.class, () -> PolybusSubscription.of(
                ConsumerOptions.builder("jobs", "workers").ackMode(AckMode.AUTO).build(), second::add)).run(context -> {
                    await().atMost(Duration.ofSeconds(30)).until(() -> payloads(second).contains("open"));
                    context.getBean(Producer.class).send(Message.builder("jobs").payload("marker").build()).get(10, TimeUnit.SECONDS);
                    await().atMost(Duration.ofSeconds(30)).until(() -> payloads(second).contains("marker"));
                    assertThat(payloads(second)).as("the delivery acked before the context closed came again")
                            .doesNotContain("done");
                });
    }

    private static List<String> payloads(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> d.message().payloadAsString()).toList();
    }

    @Test
    void aBadValueInTheExampleFailsTheStartNamingTheKey() {
        exampleRunner(Map.of("SHOP_KEY_PREFIX", prefix, "polybus.broker.visibility-timeout", "soon")).run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("polybus.broker.visibility-timeout").hasMessageContaining("soon"));
    }

    @Test
    void healthTurnsDownWhenTheRedisStopsAndNamesIt() throws Exception {
        Path dir = Files.createTempDirectory("polybus-spring-redis");
        ownRedis = new ProcessBuilder("redis-server", "--port", Integer.toString(OWN_REDIS_PORT), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Jedis jedis = new Jedis("127.0.0.1", OWN_REDIS_PORT)) {
                return "PONG".equals(jedis.ping());
            }
        });
        exampleRunner(Map.of("SHOP_KEY_PREFIX", prefix, "polybus.broker.port", OWN_REDIS_PORT)).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(ListenerContainer.class).running()).hasSize(4);
            HealthIndicator indicator = context.getBean("polybusHealthIndicator", HealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

            ownRedis.destroy();
            assertThat(ownRedis.waitFor(10, TimeUnit.SECONDS)).isTrue();
            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(String.valueOf(down.getDetails().get("error"))).contains(Integer.toString(OWN_REDIS_PORT));
        });
    }
}
