package io.polybus.bench.internal;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.SendAcknowledgementHandler;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.apache.activemq.artemis.utils.VersionLoader;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The raw ActiveMQ Artemis baseline on the core client, a connection (session factory) and session per producer and
 * consumer, as Polybus has: per topic a multicast address, per group a durable multicast queue {@code <topic>.<group>}
 * on it. Producers send durable bytes messages with asynchronous send acknowledgements (confirmation window 1 MiB,
 * no blocking send), at most {@code max-in-flight} unacknowledged; keys become message group ids. Consumers take
 * messages in a message handler and acknowledge each one ({@code acknowledge()}, which the client batches up to its
 * ack batch size). Settings: {@link #KEYS}.
 */
final class ArtemisRawDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(ArtemisRawDriver.class);

    static final ConfigDef KEYS = BrokerSettings.builder("artemis")
            .define("host", ConfigDef.Type.STRING, "127.0.0.1", ConfigDef.nonEmpty(), "The raw client's Artemis host.")
            .define("port", ConfigDef.Type.INT, "61616", ConfigDef.between(1, 65_535), "Its port.")
            .define("username", ConfigDef.Type.STRING, "polybus", "The user (scripts/brokers up artemis creates `polybus`).")
            .define("password", ConfigDef.Type.PASSWORD, "polybus", "Its password.")
            .define("max-in-flight", ConfigDef.Type.INT, "100000", ConfigDef.atLeast(1), "Unacknowledged sends per producer, at most.")
            .include(BrokerSettings.polybus("artemis"))
            .build();

    private final String address;
    private final String username;
    private final String password;
    private final int maxInFlight;
    private final ServerLocator locator;
    private final ClientSessionFactory adminFactory;
    private final ClientSession admin;
    private final List<ClientSessionFactory> factories = new ArrayList<>();

    ArtemisRawDriver(ProviderConfig settings) throws Exception {
        this.address = settings.getString("host") + ":" + settings.getInt("port");
        this.username = settings.getString("username");
        this.password = settings.findPassword("password").map(Password::value).orElse(null);
        this.maxInFlight = settings.getInt("max-in-flight");
        this.locator = ActiveMQClient.createServerLocator("tcp://" + address);
        locator.setBlockOnDurableSend(false);
        locator.setBlockOnNonDurableSend(false);
        locator.setConfirmationWindowSize(1024 * 1024);
        this.adminFactory = locator.createSessionFactory();
        this.admin = adminFactory.createSession(username, password, false, true, true, false, 0);
    }

    private ClientSession session() throws ActiveMQException {
        ClientSessionFactory factory;
        try {
            factory = locator.createSessionFactory();
        } catch (ActiveMQException e) {
            throw e;
        } catch (Exception e) {
            throw new ActiveMQException(e.toString());
        }
        synchronized (factories) {
            factories.add(factory);
        }
        return factory.createSession(username, password, false, true, true, false, locator.getAckBatchSize());
    }

    @Override
    public void createTopics(List<String> topics, int partitions) throws Exception {
        for (String topic : topics) {
            if (!admin.addressQuery(SimpleString.of(topic)).isExists()) {
                admin.createAddress(SimpleString.of(topic), RoutingType.MULTICAST, false);
            }
        }
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) throws Exception {
        String queue = topic + "." + group;
        synchronized (admin) {
            if (!admin.queueQuery(SimpleString.of(queue)).isExists()) {
                admin.createQueue(QueueConfiguration.of(queue).setAddress(topic).setRoutingType(RoutingType.MULTICAST)
                        .setDurable(true));
            }
        }
        ClientSession session = session();
        ClientConsumer reader = session.createConsumer(queue);
        reader.setMessageHandler(m -> {
            byte[] payload = new byte[m.getBodySize()];
            m.getBodyBuffer().readBytes(payload);
            sink.receive(payload);
            try {
                m.acknowledge();
            } catch (ActiveMQException e) {
                LOG.warn("ack on {} failed: {}", queue, e.toString());
            }
        });
        session.start();
        return session::close;
    }

    @Override
    public Publisher publisher(String topic) throws Exception {
        ClientSession session = session();
        ClientProducer producer = session.createProducer();
        SimpleString target = SimpleString.of(topic);
        Semaphore window = new Semaphore(maxInFlight);
        return new Publisher() {
            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) throws Exception {
                window.acquire();
                ClientMessage m = session.createMessage(ClientMessage.BYTES_TYPE, true);
                if (key != null) {
                    m.setGroupID(SimpleString.of(new String(key, StandardCharsets.ISO_8859_1)));
                }
                m.getBodyBuffer().writeBytes(payload);
                producer.send(target, m, new SendAcknowledgementHandler() {
                    @Override
                    public void sendAcknowledged(Message message) {
                        window.release();
                        done.done(null);
                    }

                    @Override
                    public void sendFailed(Message message, Exception e) {
                        window.release();
                        done.done(e);
                    }
                });
            }

            @Override
            public void flush() throws Exception {
                if (!window.tryAcquire(maxInFlight, 60, TimeUnit.SECONDS)) {
                    throw new IOException("send acknowledgements still missing after 60 s: "
                            + (maxInFlight - window.availablePermits()));
                }
                window.release(maxInFlight);
            }

            @Override
            public void close() {
                try {
                    session.close();
                } catch (ActiveMQException e) {
                    LOG.debug("closing a producer session: {}", e.toString());
                }
            }
        };
    }

    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        for (String topic : topics) {
            for (String group : groups) {
                try {
                    admin.deleteQueue(SimpleString.of(topic + "." + group));
                } catch (ActiveMQException e) {
                    LOG.debug("could not delete queue {}.{}: {}", topic, group, e.toString());
                }
            }
        }
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "artemis-core-client " + VersionLoader.getVersion().getFullVersion());
        p.put("address", address);
        p.put("publish", "durable messages, asynchronous send acknowledgements (confirmation window 1 MiB), at most "
                + maxInFlight + " unacknowledged, producer window " + locator.getProducerWindowSize() + " bytes");
        p.put("queues", "durable multicast queue per group on a multicast address per topic");
        p.put("consume", "message handler, acknowledge() per message (ack batch " + locator.getAckBatchSize()
                + " bytes), consumer window " + locator.getConsumerWindowSize() + " bytes");
        return p;
    }

    @Override
    public void close() {
        List<ClientSessionFactory> all;
        synchronized (factories) {
            all = new ArrayList<>(factories);
        }
        all.forEach(ClientSessionFactory::close);
        try {
            admin.close();
        } catch (ActiveMQException e) {
            LOG.debug("closing the admin session: {}", e.toString());
        }
        adminFactory.close();
        locator.close();
    }
}
