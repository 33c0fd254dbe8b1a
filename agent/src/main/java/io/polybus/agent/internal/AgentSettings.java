package io.polybus.agent.internal;

import io.polybus.Compression;

import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.agent.SourceProvider;
import io.polybus.events.ComponentContext;
import io.polybus.events.ComponentSpec;
import io.polybus.events.Components;
import io.polybus.events.ProcessorProvider;
import io.polybus.events.Template;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The agent's sections of a configuration file ({@link #SECTIONS}), parsed and validated: every problem at once,
 * each with its path ({@code sources[1].multiline.start}), the broker section's included.
 *
 * @param sources the sources, their keys checked; created when the agent starts
 */
public record AgentSettings(String host, Path dataDir, boolean checkpoints, Duration checkpointInterval,
                            long checkpointMaxUnsaved, Duration checkpointExpiry, Delivery delivery,
                            List<SourceSpec> sources, Config broker) {

    /** The top-level keys the agent reads. */
    public static final List<String> SECTIONS = List.of("agent", "delivery", "sources", "broker");
    public static final String DEFAULT_TOPIC = "logs";

    public static final ConfigDef AGENT = ConfigDef.builder("section", "agent")
            .define("host", Type.STRING, null, "The events' `host`: this machine's name unless set (`$HOSTNAME`, else the local host name).")
            .define("data-dir", Type.STRING, "data", "Where checkpoints are kept; one agent per data directory (it is locked).")
            .define("checkpoints", Type.BOOLEAN, "true", "Save how far each file was acknowledged, so a restart resumes there (at least once).")
            .define("checkpoint-interval", Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofMillis(10)),
                    "How often checkpoints are saved (the first as soon as something was acknowledged): at most this much reading is sent again after a crash.")
            .define("checkpoint-max-unsaved", Type.SIZE, "4MiB", ConfigDef.between(4 << 10, 1L << 40),
                    "Checkpoints are also saved as soon as this many bytes were acknowledged since the last save: at most this much is sent again after a crash.")
            .define("checkpoint-expiry", Type.DURATION, "7d", ConfigDef.atLeast(Duration.ofSeconds(1)), "How long the checkpoint of a file no longer seen is kept.")
            .build();

    public static final ConfigDef DELIVERY = ConfigDef.builder("section", "delivery")
            .define("max-bytes-in-flight", Type.SIZE, "1MiB", ConfigDef.between(64 << 10, 1L << 34),
                    "Event bytes handed to the broker and not yet acknowledged, at most; past it reading waits.")
            .define("batch-events", Type.INT, "2048", ConfigDef.between(1, 1 << 20), "Records of one input acknowledged together (a checkpoint moves over whole batches).")
            .define("events-per-message", Type.INT, "1", ConfigDef.between(1, 1 << 16),
                    "Events packed into one message (NDJSON, `content-type: application/x-ndjson`); 1 sends each event alone.")
            .define("max-message-bytes", Type.SIZE, "256KiB", ConfigDef.between(1 << 10, 1L << 30), "The largest pack of events; never above the broker's limit.")
            .define("send-timeout", Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(1)), "How long one send may wait for room in the producer.")
            .define("retry-backoff", Type.DURATION, "200ms", ConfigDef.atLeast(Duration.ofMillis(1)), "The first wait before a failed send is retried (doubling).")
            .define("retry-backoff-max", Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofMillis(1)), "The longest wait between retries.")
            .define("shutdown-timeout", Type.DURATION, "30s", "How long stopping waits for the broker's acknowledgements.")
            .define("record-timestamp", Type.STRING, "send", ConfigDef.oneOf("send", "event"),
                    "The timestamp of each message: `send`, when it is sent, or `event`, the event's own time (the "
                            + "broker's time-based retention then counts from it: events older than the retention are "
                            + "deleted at once). The event's time is in the payload either way.")
            .define("compression", Type.STRING, "none", ConfigDef.oneOf("none", "gzip", "lz4", "zstd"),
                    "How messages are compressed: `none`, `gzip`, `lz4` or `zstd`. Kafka compresses batches with its own "
                            + "codec; on the other brokers Polybus compresses each message (packs of events compress "
                            + "best) and consumers decompress it.")
            .build();

    /** How events reach the broker. */
    public record Delivery(long maxBytesInFlight, int batchEvents, int eventsPerMessage, long maxMessageBytes,
                           Duration sendTimeout, Duration retryBackoff, Duration retryBackoffMax,
                           Duration shutdownTimeout, boolean eventTimestamps, Compression compression) {
        static Delivery of(ProviderConfig d) {
            return new Delivery(d.getSize("max-bytes-in-flight"), d.getInt("batch-events"), d.getInt("events-per-message"),
                    d.getSize("max-message-bytes"), d.getDuration("send-timeout"), d.getDuration("retry-backoff"),
                    d.getDuration("retry-backoff-max"), d.getDuration("shutdown-timeout"),
                    d.getString("record-timestamp").equalsIgnoreCase("event"),
                    Compression.of(d.getString("compression")));
        }
    }

    /**
     * One configured source.
     *
     * @param name       unique among the sources
     * @param spec       its type's provider and keys
     * @param topic      where its events go
     * @param key        their key, or null
     * @param processors its chain, in order
     */
    public record SourceSpec(String name, ComponentSpec<SourceProvider> spec, Template topic, Template key,
                             List<ComponentSpec<ProcessorProvider>> processors) {
        public String type() {
            return spec.type();
        }
    }

    /**
     * The keys every source has, whatever its type.
     */
    public static ConfigDef sharedSourceKeys(Map<String, ProcessorProvider> processors) {
        return ConfigDef.builder("source", "any")
                .define("name", Type.STRING, null, "Unique among the sources: meters, logs and checkpoints name it (default `<type>-<index>`).")
                .defineParsed("topic", "a template", AgentSettings::template, "Where its events go: a topic, or a template over the event such as `logs-{fields.service}` (default `logs`).")
                .defineParsed("key", "a template", AgentSettings::template, "The message key, a template such as `{host}`: events of one key keep their order.")
                .defineParsed("processors", "a list of processors", checkedProcessors(processors),
                        "Processors run on each event in order (see Processors).")
                .build();
    }

    /**
     * Reads a list of processors and creates each once: what their keys cannot say alone (a regex's number groups)
     * is found with the other problems of the file. Creating a processor is free of side effects.
     */
    private static ConfigDef.Parser<List<ComponentSpec<ProcessorProvider>>> checkedProcessors(Map<String, ProcessorProvider> types) {
        return Components.listParser("processor", types, null,
                p -> p.create(new ComponentContext(p.path(), "check", null, Clock.systemUTC(), null)));
    }

    private static Template template(Object raw, String path) {
        if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
            throw new IllegalArgumentException("not a single value");
        }
        return Template.parse(String.valueOf(raw));
    }

    /**
     * Reads the agent's sections of a document ({@code Config.readYaml}: placeholders already expanded).
     *
     * @param otherSections top-level keys that others read (a {@code monitor:} run beside the agent); any other key
     *                      is reported as unknown
     * @throws ConfigException listing every problem
     */
    public static AgentSettings parse(Map<String, Object> document, Map<String, SourceProvider> sourceTypes,
                                      Map<String, ProcessorProvider> processorTypes, Function<String, String> environment,
                                      Set<String> otherSections) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        for (String key : document.keySet()) {
            if (!SECTIONS.contains(key) && !otherSections.contains(key)) {
                List<String> known = new ArrayList<>(SECTIONS);
                known.addAll(otherSections);
                problems.add(new ConfigException.Problem(key, null, "unknown key; known keys here: " + String.join(", ", known)));
            }
        }
        ProviderConfig agent = section(AGENT, document, "agent", problems);
        ProviderConfig delivery = section(DELIVERY, document, "delivery", problems);
        List<SourceSpec> sources = sources(document.get("sources"), sourceTypes, processorTypes, problems);
        Config broker = null;
        try {
            broker = Brokers.section(document.get("broker"), "broker");
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        String host = agent.findString("host").filter(h -> !h.isBlank()).orElseGet(() -> defaultHost(environment));
        Path dataDir = Path.of(agent.getString("data-dir"));
        if (agent.getBoolean("checkpoints")) {
            CheckpointStore.unusable(dataDir).ifPresent(why -> problems.add(
                    new ConfigException.Problem("agent.data-dir", dataDir.toString(), why)));
        }
        checkByCreating(sources, host, dataDir, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new AgentSettings(host, dataDir, agent.getBoolean("checkpoints"),
                agent.getDuration("checkpoint-interval"), agent.getSize("checkpoint-max-unsaved"),
                agent.getDuration("checkpoint-expiry"), Delivery.of(delivery),
                List.copyOf(sources), broker);
    }

    /**
     * Creates every source once and drops it: what its keys cannot say alone (a syslog key used with UDP) is found
     * now, not when the agent starts. Creating a source is free of side effects.
     */
    private static void checkByCreating(List<SourceSpec> sources, String host, Path dataDir,
                                        List<ConfigException.Problem> problems) {
        for (SourceSpec s : sources) {
            ComponentContext context = new ComponentContext(s.name(), host, null, Clock.systemUTC(), dataDir);
            try {
                s.spec().create(context);
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
    }

    private static ProviderConfig section(ConfigDef def, Map<String, Object> document, String name,
                                          List<ConfigException.Problem> problems) {
        Object raw = document.get(name);
        if (raw != null && !(raw instanceof Map<?, ?>)) {
            problems.add(new ConfigException.Problem(name, null, "expected a mapping of keys to values"));
            raw = null;
        }
        try {
            return def.parse((Map<?, ?>) raw, name);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return def.parse(Map.of(), name);
        }
    }

    private static List<SourceSpec> sources(Object raw, Map<String, SourceProvider> types, Map<String, ProcessorProvider> processors,
                                            List<ConfigException.Problem> problems) {
        if (raw == null) {
            problems.add(new ConfigException.Problem("sources", null,
                    "required: a list of sources, e.g. [{type: file, paths: [/var/log/*.log]}]"));
            return List.of();
        }
        if (!(raw instanceof List<?> list)) {
            problems.add(new ConfigException.Problem("sources", null, "expected a list of sources"));
            return List.of();
        }
        ConfigDef shared = sharedSourceKeys(processors);
        List<SourceSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "sources[" + i + "]";
            try {
                ComponentSpec<SourceProvider> spec = Components.parse("source", types, shared, list.get(i), path, "file");
                ProviderConfig c = spec.config();
                String name = c.findString("name").orElse(spec.type() + "-" + i);
                if (!names.add(name)) {
                    problems.add(new ConfigException.Problem(path + ".name", name, "expected a name no other source has"));
                }
                @SuppressWarnings("unchecked")
                List<ComponentSpec<ProcessorProvider>> chain = c.find("processors", List.class).orElse(List.of());
                out.add(new SourceSpec(name, spec, c.find("topic", Template.class).orElse(Template.parse(DEFAULT_TOPIC)),
                        c.find("key", Template.class).orElse(null), chain));
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        return out;
    }

    private static String defaultHost(Function<String, String> environment) {
        String env = environment.apply("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
