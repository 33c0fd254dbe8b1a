package io.polybus.bench.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntryBinary;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The raw Redis baseline on Jedis, one connection per producer and consumer: producers pipeline XADD
 * (synced every {@code pipeline} commands, or sooner when they are ahead of schedule); consumers read with
 * XREADGROUP ({@code batch} entries, blocking 100 ms) and XACK each batch in one command. Settings:
 * {@link #KEYS}.
 */
final class RedisRawDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(RedisRawDriver.class);
    private static final byte[] PAYLOAD = "p".getBytes(StandardCharsets.UTF_8);
    private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

    private final HostAndPort address;
    private final JedisClientConfig clientConfig;
    private final int pipelineSize;
    private final int batch;
    private final Jedis admin;

    /** The keys under {@code brokers.redis}. */
    static final ConfigDef KEYS = BrokerSettings.builder("redis")
            .define("host", ConfigDef.Type.STRING, "127.0.0.1", ConfigDef.nonEmpty(), "The raw client's Redis host.")
            .define("port", ConfigDef.Type.INT, "6379", ConfigDef.between(1, 65_535), "Its port.")
            .define("password", ConfigDef.Type.PASSWORD, null, "The password (AUTH), if the server wants one.")
            .define("pipeline", ConfigDef.Type.INT, "1000", ConfigDef.atLeast(1),
                    "XADD commands a producer pipelines before it syncs (sooner when ahead of schedule).")
            .define("batch", ConfigDef.Type.INT, "500", ConfigDef.atLeast(1), "Entries a consumer reads per XREADGROUP.")
            .include(BrokerSettings.polybus("redis"))
            .build();

    RedisRawDriver(ProviderConfig settings) {
        this.address = new HostAndPort(settings.getString("host"), settings.getInt("port"));
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().timeoutMillis(10_000)
                .autoNegotiateProtocol(false);
        settings.findPassword("password").ifPresent(p -> config.password(p.value()));
        this.clientConfig = config.build();
        this.pipelineSize = settings.getInt("pipeline");
        this.batch = settings.getInt("batch");
        this.admin = new Jedis(address, clientConfig);
        admin.ping();
    }

    @Override
    public void createTopics(List<String> topics, int partitions) {
        // Streams are created with their first group (XGROUP CREATE ... MKSTREAM).
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) {
        byte[] stream = bytes(topic);
        byte[] groupName = bytes(group);
        byte[] consumerName = bytes(group + "-" + consumer);
        synchronized (admin) {
            try {
                admin.xgroupCreate(stream, groupName, bytes("0"), true);
            } catch (JedisDataException e) {
                if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                    throw e;
                }
            }
        }
        Jedis jedis = new Jedis(address, clientConfig);
        AtomicBoolean running = new AtomicBoolean(true);
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(batch).block(100);
        Thread thread = new Thread(() -> {
            try (jedis) {
                while (running.get()) {
                    List<Map.Entry<byte[], List<StreamEntryBinary>>> read = jedis.xreadGroupBinary(groupName, consumerName,
                            params, Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
                    if (read == null) {
                        continue;
                    }
                    for (Map.Entry<byte[], List<StreamEntryBinary>> s : read) {
                        byte[][] ids = new byte[s.getValue().size()][];
                        int i = 0;
                        for (StreamEntryBinary entry : s.getValue()) {
                            sink.receive(field(entry.getFields(), PAYLOAD));
                            ids[i++] = bytes(entry.getID().toString());
                        }
                        if (ids.length > 0) {
                            jedis.xack(stream, groupName, ids);
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (running.get()) {
                    LOG.error("Redis consumer {} of {} on {} failed", consumer, group, topic, e);
                }
            }
        }, "bench-redis-" + group + "-" + consumer);
        thread.start();
        return () -> {
            running.set(false);
            thread.join(10_000);
        };
    }

    private static byte[] field(Map<byte[], byte[]> fields, byte[] name) {
        for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
            if (Arrays.equals(f.getKey(), name)) {
                return f.getValue();
            }
        }
        return new byte[0];
    }

    @Override
    public Publisher publisher(String topic) {
        byte[] stream = bytes(topic);
        Jedis jedis = new Jedis(address, clientConfig);
        Pipeline pipeline = jedis.pipelined();
        List<Response<byte[]>> responses = new ArrayList<>(pipelineSize);
        List<SendCallback> callbacks = new ArrayList<>(pipelineSize);
        return new Publisher() {
            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) {
                Map<byte[], byte[]> fields = key == null ? Map.of(PAYLOAD, payload) : Map.of(KEY, key, PAYLOAD, payload);
                responses.add(pipeline.xadd(stream, XAddParams.xAddParams(), fields));
                callbacks.add(done);
                if (responses.size() >= pipelineSize) {
                    flush();
                }
            }

            @Override
            public void idle() {
                flush();
            }

            @Override
            public void flush() {
                if (responses.isEmpty()) {
                    return;
                }
                RuntimeException failure = null;
                try {
                    pipeline.sync();
                } catch (RuntimeException e) {
                    failure = e;
                }
                for (int i = 0; i < responses.size(); i++) {
                    Throwable error = failure;
                    if (error == null) {
                        try {
                            responses.get(i).get();
                        } catch (RuntimeException e) {
                            error = e;
                        }
                    }
                    callbacks.get(i).done(error);
                }
                responses.clear();
                callbacks.clear();
            }

            @Override
            public void close() {
                try {
                    flush();
                } finally {
                    jedis.close();
                }
            }
        };
    }

    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        synchronized (admin) {
            try {
                admin.del(topics.stream().map(RedisRawDriver::bytes).toArray(byte[][]::new));
            } catch (RuntimeException e) {
                LOG.warn("could not delete streams {}: {}", topics, e.toString());
            }
        }
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "jedis " + Versions.get("jedis"));
        p.put("address", address.toString());
        synchronized (admin) {
            String info = admin.info("server");
            info.lines().filter(l -> l.startsWith("redis_version:")).findFirst()
                    .ifPresent(l -> p.put("server", "Redis " + l.substring("redis_version:".length()).trim()));
            for (String key : List.of("appendonly", "appendfsync", "save")) {
                admin.configGet(bytes(key)).forEach((k, v) -> p.put("persistence." + key, new String(v, StandardCharsets.UTF_8)));
            }
        }
        p.put("publish", "pipelined XADD, synced every " + pipelineSize + " commands or when ahead of schedule");
        p.put("consume", "XREADGROUP COUNT " + batch + " BLOCK 100, one XACK per batch");
        return p;
    }

    @Override
    public void close() {
        synchronized (admin) {
            admin.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
