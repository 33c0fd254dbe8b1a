package io.polybus.redis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Capability;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.args.ListDirection;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** List mode seen from Redis itself: what a consumer that vanished leaves behind is recovered. */
class RedisListTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PREFIX = SharedRedis.newPrefix("list-own");

    private Broker broker;
    private Jedis redis;
    private String topic;

    @BeforeEach
    void setUp() {
        broker = Brokers.open(Config.of("type", "redis", "mode", "list", "host", SharedRedis.HOST,
                "port", Integer.toString(SharedRedis.PORT), "key-prefix", PREFIX, "visibility-timeout", "1s",
                "poll-timeout", "200ms"), new SimpleMeterRegistry());
        redis = new Jedis(new HostAndPort(SharedRedis.HOST, SharedRedis.PORT),
                DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP2).build());
        topic = "t" + System.nanoTime();
    }

    @AfterEach
    void tearDown() {
        broker.close();
        redis.close();
    }

    @AfterAll
    static void deleteLists() {
        SharedRedis.deleteKeys(PREFIX);
    }

    @Test
    void declaresNoFanOutAndNoReplay() {
        assertFalse(broker.capabilities().contains(Capability.FANOUT));
        assertFalse(broker.capabilities().contains(Capability.REPLAY));
    }

    @Test
    void messageRequeuedWithADelayOutlivesItsConsumerAndComesBackWhenDue() {
        Duration delay = Duration.ofSeconds(2);
        String schedule = PREFIX + topic + ":delayed";
        AtomicLong requeuedAt = new AtomicLong();
        Config config = Config.of("type", "redis", "mode", "list", "host", SharedRedis.HOST,
                "port", Integer.toString(SharedRedis.PORT), "key-prefix", PREFIX, "visibility-timeout", "1s",
                "poll-timeout", "200ms");
        try (Broker gone = Brokers.open(config, new SimpleMeterRegistry()); Producer producer = gone.producer()) {
            gone.subscribe(ConsumerOptions.of(topic, "any"), Recorder.then(d -> {
                requeuedAt.set(System.nanoTime());
                d.requeue("later", delay);
            }));
            producer.send(Message.builder(topic).payload("scheduled").build());
            await().atMost(WAIT).until(() -> redis.zcard(schedule) == 1);
        }
        Recorder recorder = Recorder.acking();
        broker.subscribe(ConsumerOptions.of(topic, "any"), recorder);
        await().atMost(WAIT).until(() -> recorder.count() == 1);
        long after = System.nanoTime() - requeuedAt.get();
        assertTrue(after >= delay.toNanos(), "came back " + Duration.ofNanos(after) + " after a requeue with " + delay);
        assertEquals("scheduled", recorder.deliveries().get(0).message().payloadAsString());
        assertEquals(2, recorder.deliveries().get(0).attempt());
        assertEquals(0, redis.zcard(schedule));
    }

    @Test
    void processingListOfAVanishedConsumerIsMovedBackAndDeliveredAgain() throws Exception {
        String queue = PREFIX + topic;
        String ghostProcessing = queue + ":processing:ghost";
        try (Producer producer = broker.producer()) {
            producer.send(Message.builder(topic).payload("taken by a consumer that died").build()).get(10, TimeUnit.SECONDS);
        }
        redis.lmove(queue, ghostProcessing, ListDirection.RIGHT, ListDirection.LEFT);
        redis.sadd(queue + ":consumers", "ghost");

        Recorder recorder = Recorder.acking();
        broker.subscribe(ConsumerOptions.of(topic, "any"), recorder);
        await().atMost(WAIT).until(() -> recorder.count() == 1);
        Delivery d = recorder.deliveries().get(0);
        assertEquals("taken by a consumer that died", d.message().payloadAsString());
        assertEquals(2, d.attempt(), "the vanished consumer had the first delivery");
        await().atMost(WAIT).until(() -> !redis.exists(ghostProcessing) && !redis.sismember(queue + ":consumers", "ghost"));
    }
}
