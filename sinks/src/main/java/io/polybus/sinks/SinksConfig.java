package io.polybus.sinks;

import io.polybus.ConfigException;
import io.polybus.StartPosition;
import io.polybus.events.ComponentSpec;
import io.polybus.events.Components;
import io.polybus.events.SinkProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sinks:} section: which topic to read as which group, how events are batched, and the sinks they
 * are written to. Immutable.
 *
 * <pre>{@code
 * sinks:
 *   topic: logs
 *   group: sinks
 *   outputs:
 *     - {type: file, path: '/data/{host}/logs.ndjson'}
 * }</pre>
 *
 * @param topic           the topic of log events to read
 * @param group           the group to read it as (sink processes in one group share the messages)
 * @param maxBatchEvents  events written to the sinks at once, at most
 * @param maxBatchBytes   event bytes written at once, at most
 * @param maxBatchWait    how long a batch that is not full waits for more events
 * @param retryBackoff    the first wait before a failed write is tried again (doubling)
 * @param retryBackoffMax the longest wait between tries
 * @param startFrom       where the group starts when it does not exist yet
 * @param outputs         the sinks, each checked but not created yet; names are unique
 */
public record SinksConfig(String topic, String group, int maxBatchEvents, long maxBatchBytes, Duration maxBatchWait,
                          Duration retryBackoff, Duration retryBackoffMax, StartPosition startFrom,
                          List<ComponentSpec<SinkProvider>> outputs) {

    /** The keys every sink has besides its provider's. */
    public static final ConfigDef OUTPUT_KEYS = ConfigDef.builder("sink", "any")
            .define("name", Type.STRING, null, "A unique name for meters and logs (default: the type).")
            .build();

    public SinksConfig {
        outputs = List.copyOf(outputs);
    }

    /** The section's keys, for docs; {@code outputs} entries have the keys of their type and {@link #OUTPUT_KEYS}. */
    public static ConfigDef keys(Map<String, SinkProvider> sinks) {
        return ConfigDef.builder("section", "sinks")
                .define("topic", Type.STRING, "logs", ConfigDef.nonEmpty(), "The topic of log events to read.")
                .define("group", Type.STRING, "sinks", ConfigDef.nonEmpty(), "The group to read it as; sink processes in one group share the messages.")
                .define("max-batch-events", Type.INT, "1000", ConfigDef.between(1, 1_000_000), "Events written to the sinks at once, at most.")
                .define("max-batch-bytes", Type.SIZE, "5MiB", ConfigDef.between(1, 1L << 30), "Event bytes written at once, at most.")
                .define("max-batch-wait", Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofMillis(1)), "How long a batch that is not full waits for more events.")
                .define("retry-backoff", Type.DURATION, "200ms", ConfigDef.atLeast(Duration.ofMillis(1)), "The first wait before a failed write is tried again (doubling); reading waits meanwhile.")
                .define("retry-backoff-max", Type.DURATION, "30s", ConfigDef.atLeast(Duration.ofMillis(1)), "The longest wait between tries.")
                .define("start-from", Type.STRING, "latest", ConfigDef.oneOf("latest", "earliest"),
                        "Where the group starts when it does not exist yet: `latest`, or `earliest` on brokers that keep "
                                + "messages (Kafka, Redis streams, NATS JetStream).")
                .defineParsed("outputs", "a list of sinks", Components.listParser("sink", sinks, OUTPUT_KEYS),
                        "The sinks every event is written to (see the sink types).")
                .required("outputs")
                .build();
    }

    /**
     * Reads a {@code sinks:} section (placeholders already expanded by {@link io.polybus.Config#readYaml}).
     *
     * @throws ConfigException naming every problem with its full path
     */
    @SuppressWarnings("unchecked")
    public static SinksConfig parse(Object section, String path, Map<String, SinkProvider> sinks) {
        if (!(section instanceof Map<?, ?> map)) {
            throw new ConfigException(path, null, "expected a mapping with topic, group and outputs: [...]");
        }
        ProviderConfig c = keys(sinks).parse(map, path);
        List<ComponentSpec<SinkProvider>> outputs = c.get("outputs", List.class);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < outputs.size(); i++) {
            String name = name(outputs.get(i));
            if (!names.add(name)) {
                throw new ConfigException(path + ".outputs[" + i + "].name", name, "expected a name no other sink has");
            }
        }
        return new SinksConfig(c.getString("topic"), c.getString("group"), c.getInt("max-batch-events"),
                c.getSize("max-batch-bytes"), c.getDuration("max-batch-wait"), c.getDuration("retry-backoff"),
                c.getDuration("retry-backoff-max"), StartPosition.valueOf(c.getString("start-from").toUpperCase(Locale.ROOT)),
                outputs);
    }

    /** A sink's name: its {@code name}, else its type. */
    public static String name(ComponentSpec<SinkProvider> output) {
        return output.config().findString("name").orElse(output.type());
    }
}
