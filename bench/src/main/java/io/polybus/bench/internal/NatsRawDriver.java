package io.polybus.bench.internal;

import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * The raw NATS JetStream baseline on jnats, one connection for the run (as an application would share it): a
 * file stream per topic, a durable pull consumer per group read with jnats' {@code consume} (pull requests of
 * {@code batch} messages, 256, refilled ahead by jnats), each message acked on its own; producers publish with
 * {@code publishAsync}, at most {@code max-pending} (16384) awaiting the stream's acknowledgement. The same
 * connection options as the Polybus provider (no flush forced on every publish). Settings: {@link #KEYS}.
 */
final class NatsRawDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(NatsRawDriver.class);

    static final ConfigDef KEYS = BrokerSettings.builder("nats")
            .define("servers", ConfigDef.Type.LIST, "nats://127.0.0.1:4222", ConfigDef.nonEmpty(), "The raw client's NATS server URLs.")
            .define("token", ConfigDef.Type.PASSWORD, null, "An authentication token, if the server wants one.")
            .define("batch", ConfigDef.Type.INT, "256", ConfigDef.atLeast(1), "Messages a consumer pulls per request.")
            .define("max-pending", ConfigDef.Type.INT, "16384", ConfigDef.atLeast(1),
                    "Publishes a producer has awaiting the stream's acknowledgement, at most.")
            .include(BrokerSettings.polybus("nats"))
            .build();

    private final String servers;
    private final int batch;
    private final int maxPending;
    private final Connection connection;
    private final JetStream jetStream;
    private final JetStreamManagement management;

    NatsRawDriver(ProviderConfig settings) throws Exception {
        this.servers = String.join(",", settings.getList("servers"));
        this.batch = settings.getInt("batch");
        this.maxPending = settings.getInt("max-pending");
        Options.Builder options = new Options.Builder().servers(settings.getList("servers").toArray(String[]::new))
                .dontForceFlushOnRequest().maxReconnects(-1);
        settings.findPassword("token").ifPresent(token -> options.token(token.value().toCharArray()));
        this.connection = Nats.connect(options.build());
        this.jetStream = connection.jetStream();
        this.management = connection.jetStreamManagement();
    }

    /** Where the raw client connects: its first server. */
    static InetSocketAddress address(ProviderConfig settings) {
        URI first = URI.create(settings.getList("servers").get(0));
        return InetSocketAddress.createUnresolved(first.getHost(), first.getPort() > 0 ? first.getPort() : 4222);
    }

    @Override
    public void createTopics(List<String> topics, int partitions) throws Exception {
        for (String topic : topics) {
            management.addStream(StreamConfiguration.builder().name(topic).subjects(topic)
                    .storageType(StorageType.File).build());
        }
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) throws Exception {
        try {
            management.addOrUpdateConsumer(topic, ConsumerConfiguration.builder().durable(group)
                    .ackPolicy(AckPolicy.Explicit).deliverPolicy(DeliverPolicy.New).maxAckPending(65536).build());
        } catch (JetStreamApiException e) {
            LOG.debug("consumer {} on {}: {}", group, topic, e.toString());
        }
        ConsumerContext context = jetStream.getConsumerContext(topic, group);
        MessageConsumer running = context.consume(ConsumeOptions.builder().batchSize(batch).build(), m -> {
            sink.receive(m.getData());
            m.ack();
        });
        return running::close;
    }

    @Override
    public Publisher publisher(String topic) {
        Semaphore pending = new Semaphore(maxPending);
        return new Publisher() {
            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) throws InterruptedException {
                Headers headers = null;
                if (key != null) {
                    headers = new Headers().put("key", Base64.getEncoder().encodeToString(key));
                }
                pending.acquire();
                try {
                    jetStream.publishAsync(topic, headers, payload).whenComplete((ack, error) -> {
                        pending.release();
                        done.done(error);
                    });
                } catch (RuntimeException e) {
                    pending.release();
                    done.done(e);
                }
            }

            @Override
            public void flush() throws InterruptedException {
                pending.acquire(maxPending);
                pending.release(maxPending);
            }

            @Override
            public void close() {
                try {
                    flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        for (String topic : topics) {
            try {
                management.deleteStream(topic);
            } catch (Exception e) {
                LOG.warn("could not delete stream {}: {}", topic, e.toString());
            }
        }
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "jnats " + Versions.get("jnats"));
        p.put("address", servers);
        p.put("server", "NATS " + connection.getServerInfo().getVersion());
        p.put("stream", "file storage, limits retention, 1 replica");
        p.put("publish", "publishAsync, at most " + maxPending + " awaiting the stream's acknowledgement");
        p.put("consume", "durable pull consumer, consume() with batches of " + batch + ", ack per message");
        return p;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
