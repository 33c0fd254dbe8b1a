package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.events.EventPack;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * One test's agent on its own in-process memory broker, and a plain consumer of the topic that keeps every
 * message and every event (a pack split into its events). The consumer's broker handle stays open across agent
 * restarts, so the topic outlives each agent.
 */
public final class AgentFixture implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();

    public final Path dir;
    public final String brokerName = "agent-test-" + UUID.randomUUID();
    public final Broker broker;
    public final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());
    public final List<String> keys = Collections.synchronizedList(new ArrayList<>());
    public final List<Message> received = Collections.synchronizedList(new ArrayList<>());
    private final List<Consumer> consumers = new ArrayList<>();
    public MeterRegistry registry;
    public Agent agent;

    public AgentFixture(Path dir) {
        this(dir, "logs");
    }

    public AgentFixture(Path dir, String... topics) {
        this(dir, Config.empty(), topics);
    }

    /** {@code brokerExtras}: more memory broker keys; the first handle of a name decides its engine's limits. */
    public AgentFixture(Path dir, Config brokerExtras, String... topics) {
        this.dir = dir;
        this.broker = Brokers.open(Config.of("type", "memory", "name", brokerName).withAll(brokerExtras));
        for (String topic : topics) {
            consumers.add(broker.subscribe(ConsumerOptions.builder(topic, "check").ackMode(AckMode.AUTO).build(), d -> {
                try {
                    received.add(d.message());
                    for (byte[] payload : EventPack.events(d.message())) {
                        JsonNode event = JSON.readTree(payload);
                        ((com.fasterxml.jackson.databind.node.ObjectNode) event).put("_topic", d.message().topic());
                        keys.add(d.message().keyAsString());
                        events.add(event);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
    }

    /** The configuration: the agent section points at this test's directory and broker. */
    public String yaml(String sources) {
        return yaml(sources, "");
    }

    public String yaml(String sources, String extraTopLevel) {
        return "agent:\n  host: test-host\n  data-dir: '" + dir.resolve("data") + "'\n  checkpoint-interval: 20ms\n"
                + "delivery:\n  retry-backoff: 10ms\n  retry-backoff-max: 100ms\n  batch-events: 64\n"
                + "broker:\n  type: memory\n  name: " + brokerName + "\n"
                + extraTopLevel
                + "sources:\n" + sources;
    }

    /** {@code yaml} (from {@link #yaml}) with {@code delivery.events-per-message} set to {@code n}. */
    public static String eventsPerMessage(String yaml, int n) {
        return yaml.replace("  batch-events: 64\n", "  batch-events: 64\n  events-per-message: " + n + "\n");
    }

    /**
     * A file source over {@code glob} with fast scanning, plus {@code extra} lines (indented 4). Unless
     * {@code extra} sets one, the key is the source's name, so the memory broker keeps the events in order.
     */
    public static String fileSource(String name, String glob, String extra) {
        return "  - name: " + name + "\n    type: file\n    paths: ['" + glob + "']\n    scan-interval: 20ms\n"
                + "    close-removed-after: 200ms\n" + (extra.contains("key:") ? "" : "    key: '{source.name}'\n") + extra;
    }

    /** A broker section for a test's YAML, each key quoted. */
    public static String brokerYaml(Config broker) {
        return "broker:\n" + broker.asMap().entrySet().stream()
                .map(e -> "  '" + e.getKey() + "': '" + e.getValue().replace("'", "''") + "'\n")
                .collect(java.util.stream.Collectors.joining());
    }

    public Agent start(String yaml) {
        return start(yaml, false, new ByteArrayInputStream(new byte[0]));
    }

    public Agent start(String yaml, boolean once, InputStream stdin) {
        registry = new SimpleMeterRegistry();
        agent = Agent.fromYaml(yaml, registry);
        agent.start(new Agent.RunOptions(once, stdin));
        return agent;
    }

    public void stopAgent() {
        if (agent != null) {
            agent.stop();
            agent = null;
        }
    }

    public List<String> messages() {
        synchronized (events) {
            return events.stream().map(e -> e.get("message").asText()).toList();
        }
    }

    public List<JsonNode> snapshot() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    public double counter(String name, String... tags) {
        var c = registry.find("polybus.agent." + name).tags(tags).counters();
        var f = registry.find("polybus.agent." + name).tags(tags).functionCounters();
        return c.stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum()
                + f.stream().mapToDouble(io.micrometer.core.instrument.FunctionCounter::count).sum();
    }

    public Double gauge(String name, String... tags) {
        var g = registry.find("polybus.agent." + name).tags(tags).gauge();
        return g == null ? null : g.value();
    }

    @Override
    public void close() {
        stopAgent();
        consumers.forEach(Consumer::close);
        broker.close();
    }
}
