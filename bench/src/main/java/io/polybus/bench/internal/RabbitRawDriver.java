package io.polybus.bench.internal;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.MessageProperties;
import com.rabbitmq.client.impl.ClientVersion;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The raw RabbitMQ baseline on amqp-client: per topic a durable topic exchange, per group a durable queue
 * {@code <topic>.<group>} bound to it; producers publish persistent messages with publisher confirms (at most
 * {@code max-in-flight} unconfirmed), consumers ack each message manually with a prefetch of {@code prefetch}.
 * Each producer and consumer has its own connection. Settings: {@link #KEYS}.
 */
final class RabbitRawDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitRawDriver.class);

    private final ConnectionFactory factory = new ConnectionFactory();
    private final Connection admin;
    private final int maxInFlight;
    private final int prefetch;
    private final List<Connection> connections = new ArrayList<>();

    /** The keys under {@code brokers.rabbitmq}. */
    static final ConfigDef KEYS = BrokerSettings.builder("rabbitmq")
            .define("host", ConfigDef.Type.STRING, "127.0.0.1", ConfigDef.nonEmpty(), "The raw client's RabbitMQ host.")
            .define("port", ConfigDef.Type.INT, "5672", ConfigDef.between(1, 65_535), "Its AMQP port.")
            .define("username", ConfigDef.Type.STRING, "guest", ConfigDef.nonEmpty(), "The user it connects as.")
            .define("password", ConfigDef.Type.PASSWORD, "guest", "That user's password.")
            .define("virtual-host", ConfigDef.Type.STRING, "/", ConfigDef.nonEmpty(), "The virtual host.")
            .define("max-in-flight", ConfigDef.Type.INT, "1000", ConfigDef.atLeast(1),
                    "Unconfirmed messages per producer before it waits for publisher confirms.")
            .define("prefetch", ConfigDef.Type.INT, "1000", ConfigDef.between(1, 65_535),
                    "Unacknowledged messages per consumer (basic.qos).")
            .include(BrokerSettings.polybus("rabbitmq"))
            .build();

    RabbitRawDriver(ProviderConfig settings) throws Exception {
        factory.setHost(settings.getString("host"));
        factory.setPort(settings.getInt("port"));
        factory.setUsername(settings.getString("username"));
        factory.setPassword(settings.findPassword("password").map(Password::value).orElseThrow());
        factory.setVirtualHost(settings.getString("virtual-host"));
        this.maxInFlight = settings.getInt("max-in-flight");
        this.prefetch = settings.getInt("prefetch");
        this.admin = factory.newConnection("polybus-bench-admin");
    }

    private synchronized Connection connect(String name) throws Exception {
        Connection c = factory.newConnection(name);
        connections.add(c);
        return c;
    }

    @Override
    public void createTopics(List<String> topics, int partitions) throws Exception {
        try (Channel ch = admin.createChannel()) {
            for (String topic : topics) {
                ch.exchangeDeclare(topic, BuiltinExchangeType.TOPIC, true);
            }
        }
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) throws Exception {
        String queue = topic + "." + group;
        try (Channel ch = admin.createChannel()) {
            ch.queueDeclare(queue, true, false, false, null);
            ch.queueBind(queue, topic, "#");
        }
        Connection connection = connect("polybus-bench-" + queue + "-" + consumer);
        Channel channel = connection.createChannel();
        channel.basicQos(prefetch);
        channel.basicConsume(queue, false, (tag, delivery) -> {
            sink.receive(delivery.getBody());
            channel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
        }, tag -> { });
        return connection::close;
    }

    @Override
    public Publisher publisher(String topic) throws Exception {
        Connection connection = connect("polybus-bench-producer-" + topic);
        Channel channel = connection.createChannel();
        channel.confirmSelect();
        ConcurrentNavigableMap<Long, SendCallback> pending = new ConcurrentSkipListMap<>();
        Semaphore window = new Semaphore(maxInFlight);
        channel.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long tag, boolean multiple) {
                settle(tag, multiple, null);
            }

            @Override
            public void handleNack(long tag, boolean multiple) {
                settle(tag, multiple, new IOException("broker nacked publish " + tag));
            }

            private void settle(long tag, boolean multiple, Throwable error) {
                ConcurrentNavigableMap<Long, SendCallback> done = multiple ? pending.headMap(tag, true)
                        : pending.subMap(tag, true, tag, true);
                for (Map.Entry<Long, SendCallback> e : done.entrySet()) {
                    if (pending.remove(e.getKey()) != null) {
                        window.release();
                        e.getValue().done(error);
                    }
                }
            }
        });
        channel.addShutdownListener(cause -> {
            for (Long tag : pending.keySet()) {
                SendCallback cb = pending.remove(tag);
                if (cb != null) {
                    window.release();
                    cb.done(cause);
                }
            }
        });
        return new Publisher() {
            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) throws Exception {
                window.acquire();
                pending.put(channel.getNextPublishSeqNo(), done);
                String routingKey = key == null ? "" : new String(key, StandardCharsets.UTF_8);
                channel.basicPublish(topic, routingKey, MessageProperties.PERSISTENT_BASIC, payload);
            }

            @Override
            public void flush() throws Exception {
                if (!window.tryAcquire(maxInFlight, 60, TimeUnit.SECONDS)) {
                    throw new IOException("publisher confirms still missing after 60 s: " + pending.size());
                }
                window.release(maxInFlight);
            }

            @Override
            public void close() {
                closeQuietly(connection);
            }
        };
    }

    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        try (Channel ch = admin.createChannel()) {
            for (String topic : topics) {
                for (String group : groups) {
                    ch.queueDelete(topic + "." + group);
                }
                ch.exchangeDelete(topic);
            }
        } catch (Exception e) {
            LOG.warn("could not delete exchanges and queues of {}: {}", topics, e.toString());
        }
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "amqp-client " + ClientVersion.VERSION);
        p.put("server", "RabbitMQ " + admin.getServerProperties().get("version"));
        p.put("address", factory.getHost() + ":" + factory.getPort() + factory.getVirtualHost());
        p.put("publish", "publisher confirms, at most " + maxInFlight + " unconfirmed, persistent (delivery mode 2)");
        p.put("queues", "durable classic queues bound to a durable topic exchange");
        p.put("consume", "manual ack per message, prefetch " + prefetch);
        return p;
    }

    @Override
    public void close() {
        List<Connection> all;
        synchronized (this) {
            all = new ArrayList<>(connections);
        }
        all.forEach(RabbitRawDriver::closeQuietly);
        closeQuietly(admin);
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c.isOpen()) {
                c.close(5000);
            }
        } catch (Exception e) {
            LOG.debug("closing {}: {}", c, e.toString());
        }
    }
}
