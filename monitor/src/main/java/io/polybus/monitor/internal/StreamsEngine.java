package io.polybus.monitor.internal;

import io.polybus.ConfigException;
import io.polybus.PolybusException;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The rules of a monitor as a Kafka Streams application ({@code engine: kafka-streams}): events are repartitioned
 * by (rule, group-by value), each key's rule state lives in a changelogged store, and notices are written to the
 * alerts topic under {@code processing.guarantee: exactly_once_v2} (unless configured otherwise). A second loop reads
 * the alerts topic as the group {@code <group>-notifiers} (committed transactions only), hands each notice, once
 * per alert id and status, to the monitor's notifiers, and commits each notice's offset once the notifiers have sent
 * it and those before it (or failed to): a monitor that dies before that leaves them to the one that takes its
 * partitions.
 * Every monitor of the group runs both; Kafka spreads the partitions between them. Thread-safe.
 */
public final class StreamsEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamsEngine.class);
    private static final int DEDUP_ENTRIES = 100_000;
    /** How long the alerts loop waits for the notifiers before it commits anyway (well inside max.poll.interval.ms). */
    private static final Duration NOTIFY_WAIT = Duration.ofSeconds(60);
    /** How often the alerts loop commits what the notifiers have finished while others are still being sent. */
    private static final long COMMIT_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final KafkaStreams streams;
    private final KafkaConsumer<String, byte[]> alerts;
    private final Thread notifier;
    private final Function<Alert, CompletableFuture<?>> notify;
    /** The temporary state directory this monitor made (none configured), deleted by {@link #close()}; else null. */
    private final Path ownStateDir;
    private final LongAdder invalidAlerts = new LongAdder();
    /** Notices handed on by this instance, by alert id and status, least recent first. */
    private final Map<String, Boolean> notified = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > DEDUP_ENTRIES;
        }
    };
    private volatile boolean closed;

    private StreamsEngine(MonitorConfig config, Clock clock, Function<Alert, CompletableFuture<?>> notify,
                          LongAdder evaluated, LongAdder invalid, LongAdder late) {
        this.notify = notify;
        Properties props = streamsProperties(config);
        int partitions = prepareTopics(config, props);
        ownStateDir = props.containsKey(StreamsConfig.STATE_DIR_CONFIG) ? null : temporaryStateDir();
        if (ownStateDir != null) {
            props.put(StreamsConfig.STATE_DIR_CONFIG, ownStateDir.toString());
        }
        streams = new KafkaStreams(topology(config, partitions, clock, evaluated, invalid, late), props);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("monitor: a Kafka Streams thread failed; it is replaced", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                    .REPLACE_THREAD;
        });
        Properties consumer = new Properties();
        consumer.putAll(config.kafkaStreams());
        consumer.keySet().removeIf(k -> !ConsumerConfig.configNames().contains(String.valueOf(k)));
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, config.group() + "-notifiers");
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        alerts = new KafkaConsumer<>(consumer, new StringDeserializer(), new ByteArrayDeserializer());
        alerts.subscribe(List.of(config.alertsTopic()));
        notifier = new Thread(this::notifyLoop, "polybus-monitor-alerts-" + config.group());
        notifier.setDaemon(true);
    }

    /**
     * Starts the application and the notifier loop.
     *
     * @param clock   the monitor's clock, which the rules' event-time clock runs on with between events
     * @param notify  where each alert notice goes, once per alert id and status; its future completes when the
     *                notice is sent (or failed or dropped)
     * @param evaluated counts the events read (each once, whichever rules look at it)
     * @param invalid counts events that are not JSON objects
     * @param late    counts (event, rule) pairs later than {@code allowed-lateness}
     * @throws ConfigException when the events topic does not exist
     * @throws PolybusException when the alerts topic cannot be made or the application cannot start
     */
    public static StreamsEngine start(MonitorConfig config, Clock clock, Function<Alert, CompletableFuture<?>> notify,
                                      LongAdder evaluated, LongAdder invalid, LongAdder late) {
        StreamsEngine engine = new StreamsEngine(config, clock, notify, evaluated, invalid, late);
        engine.streams.start();
        engine.notifier.start();
        log.info("monitor: {} rules on topic '{}' as Kafka Streams application '{}', alerts on '{}'",
                config.rules().size(), config.topic(), config.group(), config.alertsTopic());
        return engine;
    }

    /**
     * The topology of {@code config}'s rules (see the class comment), with a repartition topic of {@code partitions}
     * partitions, as many as the events topic's.
     */
    static Topology topology(MonitorConfig config, int partitions, Clock clock, LongAdder evaluated, LongAdder invalid,
                             LongAdder late) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(RuleProcessor.STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        builder.stream(config.topic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(() -> new EventRouter(config, evaluated, invalid))
                .repartition(Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName("by-rule-and-group")
                        .withNumberOfPartitions(partitions).withStreamPartitioner(new RuleKeyPartitioner()))
                .process(() -> new RuleProcessor(config, partitions, clock, late), RuleProcessor.STORE)
                .to(config.alertsTopic(), Produced.with(Serdes.String(), Serdes.ByteArray()));
        return builder.build();
    }

    private static Properties streamsProperties(MonitorConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.group());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        if (config.stateDir() != null) {
            props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().resolve("kafka-streams").toString());
        }
        props.putAll(config.kafkaStreams());
        return props;
    }

    /**
     * A state directory of this monitor's own, for when none is configured: monitors of one group on one machine must
     * not share one (Kafka Streams locks its task directories). {@link #close()} deletes it; the changelogs keep the
     * state.
     */
    private static Path temporaryStateDir() {
        try {
            return Files.createTempDirectory("polybus-monitor-");
        } catch (IOException e) {
            throw new PolybusException("cannot make a state directory for Kafka Streams", e);
        }
    }

    /**
     * Reads the partition count of the events topic and creates the alerts topic with {@code alerts-partitions} when
     * it is missing.
     *
     * @return the events topic's partition count
     */
    private static int prepareTopics(MonitorConfig config, Properties props) {
        Properties admin = new Properties();
        admin.putAll(props);
        admin.keySet().removeIf(k -> !org.apache.kafka.clients.admin.AdminClientConfig.configNames()
                .contains(String.valueOf(k)));
        try (Admin client = Admin.create(admin)) {
            int partitions = eventPartitions(config, client);
            try {
                client.createTopics(List.of(new NewTopic(config.alertsTopic(), Optional.of(config.alertsPartitions()),
                        Optional.empty())))
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new PolybusException("cannot create the alerts topic '" + config.alertsTopic() + "': "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
            return partitions;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolybusException("interrupted while preparing the topics of Kafka Streams", e);
        } catch (TimeoutException e) {
            throw new PolybusException("cannot read the topic '" + config.topic() + "' or create the alerts topic '"
                    + config.alertsTopic() + "' within 30 s", e);
        }
    }

    private static int eventPartitions(MonitorConfig config, Admin client)
            throws InterruptedException, TimeoutException {
        try {
            return client.describeTopics(List.of(config.topic())).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(config.topic()).partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new ConfigException("monitor.topic", config.topic(), "the topic does not exist; engine: "
                        + "kafka-streams reads an existing topic: create it with the partitions the monitors are to "
                        + "share");
            }
            throw new PolybusException("cannot read the partitions of the topic '" + config.topic() + "': "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    private void notifyLoop() {
        try {
            while (!closed) {
                ConsumerRecords<String, byte[]> records = alerts.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                Map<TopicPartition, List<Handed>> handed = new HashMap<>();
                for (ConsumerRecord<String, byte[]> record : records) {
                    handed.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), tp -> new ArrayList<>())
                            .add(new Handed(record.offset() + 1, deliver(record)));
                }
                commitAsSent(handed);
            }
        } catch (WakeupException e) {
            if (!closed) {
                log.error("monitor: the alerts loop was woken up unexpectedly", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("monitor: reading the alerts topic failed; notices stop until the monitor restarts", e);
        } finally {
            alerts.close(Duration.ofSeconds(5));
        }
    }

    /** A notice handed to the notifiers: the offset to commit once {@code sent} is done. */
    private record Handed(long next, CompletableFuture<?> sent) {
    }

    /**
     * Commits each partition's offset past its notices as the notifiers finish them, in order, without a gap: a notice
     * waiting for a slow notifier holds back only what came after it, so a monitor that dies then leaves to the next
     * one that notice and those after it, not the whole poll. Past {@link #NOTIFY_WAIT} it commits them all.
     */
    private void commitAsSent(Map<TopicPartition, List<Handed>> handed) throws InterruptedException {
        long deadline = System.nanoTime() + NOTIFY_WAIT.toNanos();
        Map<TopicPartition, Integer> done = new HashMap<>();
        CompletableFuture<Void> all = CompletableFuture.allOf(handed.values().stream().flatMap(List::stream)
                .map(Handed::sent).toArray(CompletableFuture[]::new));
        while (true) {
            boolean finished = awaitFor(all, Math.min(COMMIT_STEP_NANOS, deadline - System.nanoTime()));
            boolean late = !finished && System.nanoTime() >= deadline;
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            long left = 0;
            for (Map.Entry<TopicPartition, List<Handed>> e : handed.entrySet()) {
                List<Handed> list = e.getValue();
                int from = done.getOrDefault(e.getKey(), 0);
                int to = from;
                while (to < list.size() && (late || list.get(to).sent().isDone())) {
                    to++;
                }
                left += list.size() - to;
                if (to > from) {
                    done.put(e.getKey(), to);
                    offsets.put(e.getKey(), new OffsetAndMetadata(list.get(to - 1).next()));
                }
            }
            if (late) {
                log.warn("monitor: the notifiers did not finish every notice within {}; the offsets are committed, so "
                        + "if this monitor dies before it sends them they are lost", NOTIFY_WAIT);
            }
            if (!offsets.isEmpty()) {
                alerts.commitSync(offsets);
            }
            if (left == 0) {
                return;
            }
        }
    }

    /** Waits up to {@code nanos} for {@code all}; true once it is done. */
    private static boolean awaitFor(CompletableFuture<Void> all, long nanos) throws InterruptedException {
        try {
            all.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a notifier's future failed", e.getCause());
        }
    }

    private CompletableFuture<?> deliver(ConsumerRecord<String, byte[]> record) {
        Alert alert;
        try {
            alert = AlertJson.read(record.value());
        } catch (IOException e) {
            invalidAlerts.increment();
            log.warn("monitor: record {} of {}-{} is not an alert notice; skipped: {}", record.offset(),
                    record.topic(), record.partition(), e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        if (notified.put(alert.id() + "/" + alert.status(), Boolean.TRUE) == null) {
            return notify.apply(alert);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Stops the application (its tasks move to the other monitors of the group) and the notifier loop. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Leaving the group hands the tasks on at once, not after the session timeout (45 s by default).
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        alerts.wakeup();
        try {
            notifier.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownStateDir != null) {
            deleteQuietly(ownStateDir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            log.debug("monitor: could not delete the state directory {}: {}", dir, e.getMessage());
        }
    }
}
