package io.polybus.bench.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.ConfigDef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Moves the benchmark's messages through the Polybus API: {@link Brokers#open} picks the provider by type,
 * exactly as an application does. Consumers ack automatically when the handler returns.
 */
final class PolybusDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(PolybusDriver.class);
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|token|credential).*");

    private final Broker broker;
    private final Config config;
    private final Janitor janitor;
    private final ProducerOptions producerOptions = ProducerOptions.defaults();
    private final boolean messageIds;
    /** Numbers publishers, so that the ids of two publishers never meet. */
    private final AtomicLong publishers = new AtomicLong();

    /** Opens the raw driver that deletes what a run left on a real broker. */
    @FunctionalInterface
    interface Janitor {
        Driver open() throws Exception;
    }

    /**
     * @param provider the provider configuration ({@code brokers.<type>.polybus}), {@code type} implied
     * @param messageIds whether each message is given an id ({@link Message.Builder#id}), which then travels with it
     * @param janitor    deletes the run's topics afterwards (the Polybus API has none), or null for nothing to delete
     */
    PolybusDriver(String type, Config provider, boolean messageIds, Janitor janitor) {
        this.janitor = janitor;
        this.messageIds = messageIds;
        this.config = provider.with(ConfigDef.TYPE_KEY, type);
        this.broker = Brokers.open(config, new SimpleMeterRegistry());
    }

    @Override
    public void createTopics(List<String> topics, int partitions) {
        // Polybus creates topics on first use; partitions come from the provider's configuration.
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) {
        ConsumerOptions options = ConsumerOptions.builder(topic, group).ackMode(AckMode.AUTO).noDeadLetter().build();
        return broker.subscribe(options, d -> sink.receive(d.message().unsafePayload()));
    }

    @Override
    public Publisher publisher(String topic) {
        Producer producer = broker.producer(producerOptions);
        String idPrefix = messageIds ? "bench-" + publishers.incrementAndGet() + "-" : null;
        AtomicLong sent = new AtomicLong();
        return new Publisher() {
            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) {
                // The bench owns both arrays and never changes them after the send, as a serializer owns its output.
                Message.Builder b = Message.builder(topic).unsafeKey(key).unsafePayload(payload);
                if (idPrefix != null) {
                    b.id(idPrefix + sent.incrementAndGet());
                }
                Message message = b.build();
                producer.send(message).whenComplete((receipt, error) -> done.done(error));
            }

            @Override
            public void flush() {
                producer.flush();
            }

            @Override
            public void close() {
                producer.close();
            }
        };
    }

    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        if (janitor == null) {
            return;
        }
        // Kafka's provider also keeps a retry topic and a delay topic per group, RocketMQ's a delay topic per group.
        List<String> all = new ArrayList<>();
        String prefix = config.get("key-prefix").or(() -> config.get("stream-prefix")).orElse("");
        for (String topic : topics) {
            all.add(prefix + topic);
            if (broker.type().equals("kafka")) {
                groups.forEach(g -> {
                    all.add(topic + ".retry." + g);
                    all.add(topic + ".delay." + g);
                });
            }
            if (broker.type().equals("rocketmq")) {
                groups.forEach(g -> all.add("%DELAY%" + topic + "." + g));
            }
        }
        try (Driver raw = janitor.open()) {
            raw.deleteTopics(all, groups);
        } catch (Exception e) {
            LOG.warn("could not delete the topics of the {} run: {}", broker.type(), e.toString());
        }
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "Polybus " + Objects.requireNonNullElse(Broker.class.getPackage().getImplementationVersion(),
                Versions.get("polybus")) + ", provider " + broker.type());
        p.put("capabilities", broker.capabilities().toString());
        p.put("producer", producerOptions.maxInFlightBytes() / (1024 * 1024) + " MiB in flight, block when full, "
                + (messageIds ? "message ids given" : "no message ids given"));
        p.put("consumer", "AUTO ack, concurrency 1, prefetch " + ConsumerOptions.of("t", "g").prefetch());
        config.asMap().forEach((k, v) -> p.put("config." + k, SECRET.matcher(k).matches() ? "(hidden)" : v));
        return p;
    }

    @Override
    public void close() {
        broker.close();
    }
}
