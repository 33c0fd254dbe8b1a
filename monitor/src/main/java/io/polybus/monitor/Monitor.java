package io.polybus.monitor;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.ConfigException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.events.ComponentContext;
import io.polybus.events.EventPack;
import io.polybus.events.JsonEvent;
import io.polybus.events.PipelineHealth;
import io.polybus.monitor.internal.NotifierDispatch;
import io.polybus.monitor.internal.RuleEngine;
import io.polybus.monitor.internal.StateStore;
import io.polybus.monitor.internal.StreamsEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A running monitor: subscribes {@link MonitorConfig#group()} to {@link MonitorConfig#topic()}, evaluates every
 * event against the rules, acks it once evaluated, and sends each alert notice to every notifier.
 *
 * <pre>{@code
 * MonitorConfig config = MonitorConfig.parse(tree.get("monitor"), "monitor", Components.load(NotifierProvider.class));
 * try (Monitor monitor = Monitor.builder(broker, config).start()) {
 *     monitor.bindTo(registry);
 *     ... // runs until closed
 * }
 * }</pre>
 *
 * <p>Windows and silences are measured in event time by default ({@link MonitorConfig#time()}): an event counts in
 * the window of its timestamp; the clock follows the latest timestamp and runs on with the builder's {@link Clock}
 * between events. Events later than {@link MonitorConfig#allowedLateness()} are counted as {@code late} and left out;
 * notices about windows older than {@link MonitorConfig#notifyMaxAge()} are held back (see {@code docs/monitor.md}).
 * With {@code time: arrival}, the builder's clock at the time events arrive. A message packing several events ({@link EventPack}) is split and each event is
 * evaluated as if it came alone. Events that are not JSON objects are counted as invalid and their message is
 * rejected (dead-lettered by the broker's rules; the valid events of a pack were still evaluated). Duplicates
 * (same {@code source.file_id} and {@code source.offset}, else same message id and place in its pack) within
 * the dedup window are acked and not counted. Notices are delivered after the event is acked, so a crash between the
 * two can lose a notice but never doubles a count.
 *
 * <p>As a {@link MeterBinder} it binds every meter of the monitor, its rules and its notifiers (see
 * {@code docs/monitor.md}) and of its {@link #health()}: {@code polybus.monitor.events} by {@code outcome},
 * {@code polybus.monitor.bytes}, the rules' and the notifiers' meters. Bind it once; events counted before are
 * not lost.
 *
 * <p>With {@link MonitorConfig#stateDir()}, the rules' windows, firing alerts, known values and the dedup memory
 * are read back at the start and written every {@link MonitorConfig#snapshotEvery()}, after each notice and on
 * close; a snapshot that cannot be read is logged and counted, and the monitor starts empty.
 *
 * <p>With {@code engine: kafka-streams} ({@link MonitorConfig#engine()}) the rules run as a Kafka Streams application
 * shared by every monitor of the group: events repartitioned by (rule, group-by value), the rules' state in
 * changelogged stores, notices through the alerts topic, each notified once by one of the monitors (see
 * {@code docs/monitor.md} for what it keeps and what it refuses). It needs the Kafka broker.
 *
 * <p>Thread-safe. {@link #close()} stops consuming (unacked events go back to the group), writes the state,
 * delivers queued notices (bounded) and closes the notifiers; it does not close the broker.
 */
public final class Monitor implements AutoCloseable, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(Monitor.class);

    private final MonitorConfig config;
    private final Clock clock;
    private final PipelineHealth health;
    /** The rules, when this process evaluates them ({@code engine: embedded}); else null. */
    private final RuleEngine engine;
    private final List<NotifierDispatch> dispatch = new ArrayList<>();
    private final ScheduledExecutorService ticker;
    private final LongAdder evaluated = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder invalid = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Where the rules' state is kept, or null. */
    private final StateStore state;
    /** Set when a notice was made, so the state that made it is written at the next tick. */
    private final AtomicBoolean noticed = new AtomicBoolean();
    private long nextSnapshot;
    private volatile Consumer consumer;
    /** The rules, when Kafka Streams evaluates them ({@code engine: kafka-streams}); else null. */
    private volatile StreamsEngine streams;

    private Monitor(Builder b, Map<String, Notifier> notifiers) {
        this.config = b.config;
        this.clock = b.clock;
        this.health = b.health;
        notifiers.forEach((name, notifier) -> dispatch.add(new NotifierDispatch(name, notifier)));
        boolean embedded = config.engine() == MonitorConfig.Engine.EMBEDDED;
        this.engine = embedded ? new RuleEngine(config, clock.millis(), this::notifyAll) : null;
        this.state = config.stateDir() == null || !embedded ? null
                : new StateStore(config.stateDir(), "monitor-" + config.group(), engine, clock.millis());
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-monitor-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        events(registry, "evaluated", evaluated);
        events(registry, "duplicate", duplicates);
        events(registry, "invalid", invalid);
        events(registry, "late", late);
        FunctionCounter.builder("polybus.monitor.bytes", bytes, LongAdder::sum).baseUnit("bytes")
                .description("Payload bytes of the events received").register(registry);
        health.bindTo(registry);
        if (engine != null) {
            engine.bindTo(registry);
        }
        if (state != null) {
            state.bindTo(registry);
        }
        dispatch.forEach(d -> d.bindTo(registry));
    }

    private static void events(MeterRegistry registry, String outcome, LongAdder count) {
        FunctionCounter.builder("polybus.monitor.events", count, LongAdder::sum).tag("outcome", outcome)
                .description("Events received by the monitor, by outcome").register(registry);
    }

    /** A builder for a monitor on {@code broker}, with {@code config} from {@link MonitorConfig#parse}. */
    public static Builder builder(Broker broker, MonitorConfig config) {
        return new Builder(broker, config);
    }

    /**
     * The monitor's health: unhealthy when evaluation or the alerts topic is stuck, or the broker behind the
     * alerts topic has been unreachable too long. Register it with the metrics server.
     */
    public PipelineHealth health() {
        return health;
    }

    private void subscribe(Broker broker) {
        if (engine == null) {
            streams = StreamsEngine.start(config, clock, this::notifyAll, evaluated, invalid, late);
            return;
        }
        ConsumerOptions options = ConsumerOptions.builder(config.topic(), config.group())
                .concurrency(config.concurrency()).ackMode(AckMode.MANUAL).build();
        consumer = broker.subscribe(options, this::handle);
        long period = config.evaluateEvery().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
        log.info("monitor: {} rules on topic '{}' as group '{}' ({} notifiers)", config.rules().size(), config.topic(),
                config.group(), dispatch.size());
    }

    private void handle(Delivery delivery) {
        health.ackPending();
        try {
            Message message = delivery.message();
            bytes.add(message.payloadSize());
            boolean pack = EventPack.isPack(message);
            List<byte[]> events = EventPack.events(message);
            // The events of a message arrive together: one arrival time, and the counts added once per message.
            long arrival = clock.millis();
            int broken = 0;
            int[] outcomes = new int[RuleEngine.Outcome.values().length];
            try {
                for (int i = 0; i < events.size(); i++) {
                    JsonEvent event = JsonEvent.parse(events.get(i));
                    if (event == null) {
                        broken++;
                    } else {
                        outcomes[engine.offer(event, message.id(), pack ? i : -1, arrival).ordinal()]++;
                    }
                }
            } finally {
                invalid.add(broken);
                duplicates.add(outcomes[RuleEngine.Outcome.DUPLICATE.ordinal()]);
                late.add(outcomes[RuleEngine.Outcome.LATE.ordinal()]);
                evaluated.add(outcomes[RuleEngine.Outcome.EVALUATED.ordinal()]);
            }
            if (broken == 0) {
                delivery.ack();
            } else {
                delivery.reject(pack ? broken + " of the " + events.size() + " packed events are not JSON log events"
                        : "not a JSON log event");
            }
        } finally {
            health.ackCompleted();
        }
    }

    private void tick() {
        try {
            long now = clock.millis();
            engine.tick(now);
            if (state != null && (noticed.getAndSet(false) || now >= nextSnapshot)) {
                nextSnapshot = now + config.snapshotEvery().toMillis();
                state.save();
            }
        } catch (RuntimeException e) {
            log.error("monitor: evaluating rules failed", e);
        }
    }

    /** Hands {@code alert} to every notifier; the future completes once each has sent it, failed to or dropped it. */
    private CompletableFuture<Void> notifyAll(Alert alert) {
        noticed.set(true);
        log.debug("alert {} {}", alert.status(), alert.id());
        CompletableFuture<?>[] handled = new CompletableFuture<?>[dispatch.size()];
        for (int i = 0; i < handled.length; i++) {
            handled[i] = dispatch.get(i).submit(alert);
        }
        return CompletableFuture.allOf(handled);
    }

    /** Stops consuming, delivers queued notices (at most 10 s per notifier) and closes the notifiers. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (consumer != null) {
            consumer.close();
        }
        if (streams != null) {
            streams.close();
        }
        ticker.shutdown();
        try {
            ticker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (state != null) {
            state.save();
        }
        dispatch.forEach(NotifierDispatch::close);
    }

    /** Builds and starts a {@link Monitor}. Not thread-safe. */
    public static final class Builder {
        private final Broker broker;
        private final MonitorConfig config;
        private Clock clock = Clock.systemUTC();
        private PipelineHealth health;
        private PrintStream console = System.out;
        private final Map<String, Notifier> extra = new LinkedHashMap<>();

        private Builder(Broker broker, MonitorConfig config) {
            this.broker = Objects.requireNonNull(broker, "broker");
            this.config = Objects.requireNonNull(config, "config");
        }

        /**
         * The monitor's clock (default: the system clock): events' arrival time, which the rules' event-time clock
         * runs on with between events, and against which {@code notify-max-age} is measured.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The health to feed (default: a new one, see {@link Monitor#health()}). */
        public Builder health(PipelineHealth health) {
            this.health = Objects.requireNonNull(health, "health");
            return this;
        }

        /**
         * Where notifiers for people write ({@link NotifierContext#console()}: the {@code stdout} notifier); default
         * {@link System#out}.
         */
        public Builder console(PrintStream console) {
            this.console = Objects.requireNonNull(console, "console");
            return this;
        }

        /** Adds a notifier to those of the configuration; the monitor closes it. */
        public Builder notifier(String name, Notifier notifier) {
            extra.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(notifier, "notifier"));
            return this;
        }

        /**
         * Creates the notifiers of the configuration, each by its provider, and subscribes. On failure, closes
         * what it created.
         *
         * @throws io.polybus.ConfigException    when a notifier finds its keys wrong together, or
         *                                       {@code engine: kafka-streams} is asked of a broker other than Kafka or
         *                                       of a topic that does not exist
         * @throws io.polybus.PolybusException when the subscription or what a notifier needs (a topic
         *                                       notifier's producer) cannot be made
         */
        public Monitor start() {
            if (config.engine() == MonitorConfig.Engine.KAFKA_STREAMS && !"kafka".equals(broker.type())) {
                throw new ConfigException("monitor.engine", "kafka-streams", "it runs the rules on Kafka Streams "
                        + "and needs broker type 'kafka', not '" + broker.type() + "'; on this broker run one monitor "
                        + "per group with engine: embedded");
            }
            if (health == null) {
                health = new PipelineHealth("monitor", clock, Duration.ofSeconds(30), Duration.ofMinutes(2));
            }
            Map<String, Notifier> notifiers = new LinkedHashMap<>();
            try {
                for (MonitorConfig.NotifierSpec spec : config.notifiers()) {
                    NotifierContext context = new NotifierContext(
                            new ComponentContext(spec.name(), null, broker, clock, null), console, health);
                    notifiers.put(spec.name(), spec.component().provider().create(spec.component().config(), context));
                }
            } catch (RuntimeException e) {
                notifiers.values().forEach(Notifier::close);
                throw e;
            }
            notifiers.putAll(extra);
            Monitor monitor = new Monitor(this, notifiers);
            try {
                monitor.subscribe(broker);
            } catch (RuntimeException e) {
                monitor.close();
                throw e;
            }
            return monitor;
        }
    }
}
