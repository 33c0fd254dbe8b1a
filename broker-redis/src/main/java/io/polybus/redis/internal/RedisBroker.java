package io.polybus.redis.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Capability;
import io.polybus.ClosedException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.DeliveryCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.polybus.redis.internal.StreamFields.bytes;

/**
 * An open Redis broker in one {@link Mode}. Checks the server at open (reachable, credentials, version) and
 * declares its capabilities from the mode and the server's persistence ({@code appendonly}).
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final String INSTANCE = instanceName();

    private final RedisSettings settings;
    private final Connections connections;
    private final MeterRegistry meters;
    private final Set<Capability> capabilities;
    private final AtomicInteger members = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile TopicKey lastKey;

    private RedisBroker(RedisSettings settings, Connections connections, MeterRegistry meters, Set<Capability> capabilities) {
        this.settings = settings;
        this.connections = connections;
        this.meters = meters;
        this.capabilities = capabilities;
    }

    /**
     * Connects and checks the server.
     *
     * @throws io.polybus.BrokerUnavailableException naming host and port when it cannot be reached
     * @throws io.polybus.AuthenticationException    when it refuses the credentials
     */
    public static RedisBroker open(RedisSettings settings, MeterRegistry meters) {
        Connections connections = new Connections(settings);
        try {
            boolean durable;
            try (Jedis jedis = connections.dedicated(Duration.ZERO)) {
                checkVersion(settings, jedis);
                durable = settings.mode() != Mode.PUBSUB && appendOnly(settings, jedis);
            } catch (JedisException | BrokerUnavailableException e) {
                throw connections.firstConnectionFailed(e);
            }
            Set<Capability> caps = settings.mode().capabilities(durable);
            log.info("opened redis at {} in {} mode; capabilities {}", settings.address(),
                    settings.mode().name().toLowerCase(Locale.ROOT), caps);
            return new RedisBroker(settings, connections, meters, caps);
        } catch (RuntimeException e) {
            connections.close();
            throw e;
        }
    }

    private static void checkVersion(RedisSettings settings, Jedis jedis) {
        String info = jedis.info("server");
        String version = info.lines().filter(l -> l.startsWith("redis_version:")).map(l -> l.substring(14).trim())
                .findFirst().orElse("0");
        String[] parts = version.split("\\.");
        int major = parseOr(parts, 0);
        int minor = parseOr(parts, 1);
        if (settings.mode() != Mode.PUBSUB && (major < 6 || (major == 6 && minor < 2))) {
            throw new PolybusException("redis at " + settings.address() + " is version " + version + "; the "
                    + settings.mode().name().toLowerCase(Locale.ROOT)
                    + " mode needs 6.2 or later (XAUTOCLAIM, BLMOVE)");
        }
    }

    private static int parseOr(String[] parts, int i) {
        try {
            return i < parts.length ? Integer.parseInt(parts[i]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** DURABLE only when the server writes an append-only file; snapshots alone lose recent writes. */
    private static boolean appendOnly(RedisSettings settings, Jedis jedis) {
        try {
            Map<String, String> reply = jedis.configGet("appendonly");
            return "yes".equalsIgnoreCase(reply.get("appendonly"));
        } catch (JedisDataException e) {
            log.info("cannot read the persistence settings of redis at {} ({}); not declaring DURABLE",
                    settings.address(), e.getMessage());
            return false;
        }
    }

    private static String instanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "host";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
    }

    @Override
    public String type() {
        return "redis";
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public long maxMessageBytes() {
        return settings.maxMessageBytes();
    }

    @Override
    public Producer producer(ProducerOptions options) {
        ensureOpen();
        String name = settings.mode().name().toLowerCase(Locale.ROOT) + "-" + members.incrementAndGet();
        return new PipelinedProducer(connections, writer(), options, name);
    }

    private PipelinedProducer.Writer writer() {
        switch (settings.mode()) {
            case STREAMS:
                long maxLen = settings.streamMaxLen();
                return new PipelinedProducer.Writer() {
                    @Override
                    public ProtocolCommand command() {
                        return Command.XADD;
                    }

                    @Override
                    public byte[][] args(Message message) {
                        return StreamFields.xaddArgs(key(message), message, maxLen);
                    }

                    @Override
                    public String position(Object reply) {
                        return new String((byte[]) reply, StandardCharsets.US_ASCII);
                    }
                };
            case LIST:
                return blobWriter(Command.LPUSH, "length=");
            case PUBSUB:
                return blobWriter(Command.PUBLISH, "subscribers=");
            default:
                throw new IllegalStateException("unknown mode " + settings.mode());
        }
    }

    /** A command taking the topic's key and the message as a {@link Blob}; its reply is a number. */
    private PipelinedProducer.Writer blobWriter(Command command, String replyName) {
        return new PipelinedProducer.Writer() {
            @Override
            public ProtocolCommand command() {
                return command;
            }

            @Override
            public byte[][] args(Message message) {
                return new byte[][]{key(message), Blob.encode(message, 0)};
            }

            @Override
            public String position(Object reply) {
                return replyName + reply;
            }
        };
    }

    /** The Redis key of the message's topic; the last one is cached, as producers mostly send to one topic. */
    private byte[] key(Message message) {
        TopicKey last = lastKey;
        if (last == null || !last.topic.equals(message.topic())) {
            last = new TopicKey(message.topic(), bytes(settings.key(message.topic())));
            lastKey = last;
        }
        return last.key;
    }

    private record TopicKey(String topic, byte[] key) {
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        ensureOpen();
        DeliveryCounters counters = DeliveryCounters.register(meters, "redis", options.topic(), options.group());
        String member = INSTANCE + "-" + members.incrementAndGet();
        switch (settings.mode()) {
            case STREAMS: {
                StreamConsumer consumer = new StreamConsumer(connections, options, handler, counters, member);
                consumer.start();
                return consumer;
            }
            case LIST: {
                ListConsumer consumer = new ListConsumer(connections, options, handler, counters, member);
                consumer.start();
                return consumer;
            }
            case PUBSUB: {
                PubSubConsumer consumer = new PubSubConsumer(connections, options, handler, counters);
                consumer.start();
                return consumer;
            }
            default:
                throw new IllegalStateException("unknown mode " + settings.mode());
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ClosedException("redis broker at " + settings.address() + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            connections.close();
        }
    }
}
