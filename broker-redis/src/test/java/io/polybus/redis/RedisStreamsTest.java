package io.polybus.redis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Compression;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.DeadLetter;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.StartPosition;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.RedisProtocol;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streams-mode behaviour seen from Redis itself: storage, trimming, and entries other clients left pending. */
class RedisStreamsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PREFIX = SharedRedis.newPrefix("streams-own");

    private Broker broker;
    private Jedis redis;
    private String topic;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Broker open(String... extra) {
        Config config = Config.of("type", "redis", "host", SharedRedis.HOST, "port", Integer.toString(SharedRedis.PORT),
                "key-prefix", PREFIX, "visibility-timeout", "1s", "poll-timeout", "200ms");
        for (int i = 0; i < extra.length; i += 2) {
            config = config.with(extra[i], extra[i + 1]);
        }
        return Brokers.open(config, new SimpleMeterRegistry());
    }

    @BeforeEach
    void setUp() {
        broker = open();
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
    static void deleteStreams() {
        SharedRedis.deleteKeys(PREFIX);
    }

    @Test
    void payloadIsStoredAsItsBytesInOneField() throws Exception {
        byte[] notUtf8 = {(byte) 0xc3, 0x28, 0, (byte) 0xff};
        try (Producer producer = broker.producer()) {
            producer.send(Message.builder(topic).payload(notUtf8).build()).get(10, TimeUnit.SECONDS);
        }
        List<?> entries = (List<?>) redis.sendCommand(Command.XRANGE, b(PREFIX + topic), b("-"), b("+"));
        List<?> fields = (List<?>) ((List<?>) entries.get(0)).get(1);
        assertEquals(2, fields.size(), "one field per entry");
        assertEquals("m", new String((byte[]) fields.get(0), StandardCharsets.UTF_8));
        byte[] stored = (byte[]) fields.get(1);
        byte[] tail = java.util.Arrays.copyOfRange(stored, stored.length - notUtf8.length, stored.length);
        assertArrayEquals(notUtf8, tail, "the payload's bytes, unchanged, end the stored value");
    }

    @Test
    void aCompressingProducerStoresTheCompressedPayload() throws Exception {
        byte[] logs = "{\"host\":\"web-1\",\"message\":\"GET /api/orders 200 0.012\"}\n".repeat(500)
                .getBytes(StandardCharsets.UTF_8);
        try (Producer producer = broker.producer(ProducerOptions.builder().compression(Compression.ZSTD).build())) {
            producer.send(Message.builder(topic).payload(logs).build()).get(10, TimeUnit.SECONDS);
        }
        List<?> entries = (List<?>) redis.sendCommand(Command.XRANGE, b(PREFIX + topic), b("-"), b("+"));
        byte[] stored = (byte[]) ((List<?>) ((List<?>) entries.get(0)).get(1)).get(1);
        assertTrue(stored.length * 10 < logs.length, "Redis holds " + stored.length + " bytes for " + logs.length);
        assertTrue(new String(stored, StandardCharsets.ISO_8859_1).contains(Compression.HEADER), "marked");
        Recorder recorder = Recorder.acking();
        broker.subscribe(ConsumerOptions.builder(topic, "g").startFrom(StartPosition.EARLIEST).build(), recorder);
        await().atMost(WAIT).until(() -> recorder.count() == 1);
        assertArrayEquals(logs, recorder.deliveries().get(0).message().payload());
    }

    @Test
    void entriesWrittenByOtherClientsAreDelivered() {
        Recorder recorder = Recorder.acking();
        broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
        byte[] entryId = (byte[]) redis.sendCommand(Command.XADD, b(PREFIX + topic), b("*"), b("p"), b("hello"), b("k"),
                b("key-1"), b("origin"), b("redis-cli"));
        await().atMost(WAIT).until(() -> recorder.count() == 1);
        Message got = recorder.deliveries().get(0).message();
        assertEquals("hello", got.payloadAsString());
        assertEquals("key-1", got.keyAsString());
        assertEquals("redis-cli", got.header("origin"));
        assertEquals(new String(entryId, StandardCharsets.US_ASCII), got.id());
    }

    @Test
    void maxLenTrimsTheStreamApproximately() throws Exception {
        try (Broker trimming = open("stream.max-len", "100"); Producer producer = trimming.producer()) {
            for (int i = 0; i < 2000; i++) {
                producer.send(Message.builder(topic).payload("m" + i).build());
            }
            producer.flush();
        }
        long length = redis.xlen(b(PREFIX + topic));
        assertTrue(length >= 100 && length < 1000, "length after trimming: " + length);
    }

    @Test
    void entryLeftPendingByACrashedConsumerIsTakenOverWithItsDeliveryCount() throws Exception {
        Recorder recorder = Recorder.acking();
        broker.subscribe(ConsumerOptions.of(topic, "g"), recorder).close();
        try (Producer producer = broker.producer()) {
            producer.send(Message.builder(topic).payload("orphan").build()).get(10, TimeUnit.SECONDS);
        }
        redis.sendCommand(Command.XREADGROUP, b("GROUP"), b("g"), b("crashed"), b("COUNT"), b("10"), b("STREAMS"),
                b(PREFIX + topic), b(">"));
        broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
        await().atMost(WAIT).until(() -> recorder.count() == 1);
        Delivery d = recorder.deliveries().get(0);
        assertEquals("orphan", d.message().payloadAsString());
        assertEquals(2, d.attempt(), "second delivery: the crashed consumer had the first");
        await().atMost(WAIT).until(() -> ((List<?>) redis.sendCommand(Command.XPENDING, b(PREFIX + topic), b("g"), b("-"),
                b("+"), b("10"))).isEmpty());
    }

    @Test
    void entryThatExhaustedItsDeliveriesThroughCrashesIsDeadLettered() throws Exception {
        Recorder dead = Recorder.acking();
        broker.subscribe(ConsumerOptions.of(topic + ".dlq", "dlq-reader"), dead);
        Recorder handler = Recorder.acking();
        broker.subscribe(ConsumerOptions.of(topic, "g"), handler).close();
        byte[] id;
        try (Producer producer = broker.producer()) {
            id = b(producer.send(Message.builder(topic).payload("poison").build()).get(10, TimeUnit.SECONDS).position());
        }
        redis.sendCommand(Command.XREADGROUP, b("GROUP"), b("g"), b("crash-1"), b("STREAMS"), b(PREFIX + topic), b(">"));
        redis.sendCommand(Command.XCLAIM, b(PREFIX + topic), b("g"), b("crash-2"), b("0"), id);
        redis.sendCommand(Command.XCLAIM, b(PREFIX + topic), b("g"), b("crash-3"), b("0"), id);
        broker.subscribe(ConsumerOptions.builder(topic, "g").maxDeliveries(3).build(), handler);
        await().atMost(WAIT).until(() -> dead.count() == 1);
        Message letter = dead.deliveries().get(0).message();
        assertEquals("poison", letter.payloadAsString());
        assertEquals("4", letter.header(DeadLetter.ATTEMPTS));
        assertTrue(letter.header(DeadLetter.ERROR).contains("crashed"), letter.header(DeadLetter.ERROR));
        assertEquals(0, handler.count(), "never handed to the handler");
    }

    @Test
    void messageRequeuedWithADelayOutlivesItsConsumerAndComesBackWhenDue() {
        Duration delay = Duration.ofSeconds(4);
        byte[] schedule = b(PREFIX + topic + ":delayed:g");
        AtomicLong requeuedAt = new AtomicLong();
        try (Broker gone = open(); Producer producer = gone.producer()) {
            gone.subscribe(ConsumerOptions.of(topic, "g"), Recorder.then(d -> {
                requeuedAt.set(System.nanoTime());
                d.requeue("later", delay);
            }));
            producer.send(Message.builder(topic).payload("scheduled").build());
            await().atMost(WAIT).until(() -> redis.zcard(schedule) == 1);
        }
        // No member of the group is left: wait until the waiting entry looks idle for the visibility timeout, so that
        // only the schedule keeps the next consumer from claiming it early.
        await().atMost(WAIT).until(() -> {
            List<?> pending = (List<?>) redis.sendCommand(Command.XPENDING, b(PREFIX + topic), b("g"), b("-"), b("+"),
                    b("1"));
            return !pending.isEmpty() && (Long) ((List<?>) pending.get(0)).get(2) > 1200;
        });
        Recorder recorder = Recorder.acking();
        broker.subscribe(ConsumerOptions.of(topic, "g"), recorder);
        await().atMost(WAIT).until(() -> recorder.count() == 1);
        long after = System.nanoTime() - requeuedAt.get();
        assertTrue(after >= delay.toNanos(), "came back " + Duration.ofNanos(after) + " after a requeue with " + delay);
        assertEquals("scheduled", recorder.deliveries().get(0).message().payloadAsString());
        assertEquals(2, recorder.deliveries().get(0).attempt());
        await().atMost(WAIT).until(() -> redis.zcard(schedule) == 0);
    }

    @Test
    void passThroughOptionsReachJedis() {
        String name = "polybus-" + topic;
        try (Broker named = open("redis.client-name", name, "redis.pool.test-on-borrow", "true")) {
            named.subscribe(ConsumerOptions.of(topic, "g"), Recorder.acking());
            assertTrue(redis.clientList().contains("name=" + name), "CLIENT LIST names the connection");
        }
    }

    @Test
    void membersThatVanishedWithNothingPendingAreRemovedFromTheGroup() {
        try (Broker quick = open("visibility-timeout", "100ms", "poll-timeout", "50ms")) {
            quick.subscribe(ConsumerOptions.of(topic, "g"), Recorder.acking()).close();
            redis.sendCommand(Command.XGROUP, b("CREATECONSUMER"), b(PREFIX + topic), b("g"), b("ghost"));
            quick.subscribe(ConsumerOptions.of(topic, "g"), Recorder.acking());
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                List<?> members = (List<?>) redis.sendCommand(Command.XINFO, b("CONSUMERS"), b(PREFIX + topic), b("g"));
                return members.stream().noneMatch(m -> new String((byte[]) ((List<?>) m).get(1), StandardCharsets.UTF_8)
                        .equals("ghost"));
            });
        }
    }

    @Test
    void databaseSelectsWhereTopicsLive() throws Exception {
        try (Broker db3 = open("database", "3"); Producer producer = db3.producer()) {
            producer.send(Message.builder(topic).payload("in db 3").build()).get(10, TimeUnit.SECONDS);
        }
        try {
            assertEquals(0, redis.xlen(b(PREFIX + topic)), "nothing in database 0");
            redis.select(3);
            assertEquals(1, redis.xlen(b(PREFIX + topic)));
        } finally {
            redis.del(PREFIX + topic);
        }
    }
}
