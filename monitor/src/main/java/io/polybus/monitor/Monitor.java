package io.polybus.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.events.EventPack;
import io.polybus.events.PipelineHealth;
import io.polybus.monitor.internal.NotifierDispatch;
import io.polybus.monitor.internal.RuleEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running monitor: subscribes {@link MonitorConfig#group()} to {@link MonitorConfig#topic()}, evaluates every
 * event against the rules, acks it once evaluated, and sends each alert notice to every notifier.
 *
 * <pre>{@code
 * try (Monitor monitor = Monitor.start(broker, MonitorConfig.bind(tree.path("monitor"), "monitor"), registry)) {
 *     ... // runs until closed
 * }
 * }</pre>
 *
 * <p>Windows and silences are measured on the builder's {@link Clock} at the time events arrive, not on the
 * events' own timestamps. A message packing several events ({@link EventPack}) is split and each event is
 * evaluated as if it came alone. Events that are not JSON objects are counted as invalid and their message is
 * rejected (dead-lettered by the broker's rules; the valid events of a pack were still evaluated). Duplicates
 * (same {@code source.file_id} and {@code source.offset}, else same message id and place in its pack) within
 * the dedup window are acked and not counted. Notices are delivered after the event is acked, so a crash between the
 * two can lose a notice but never doubles a count.
 *
 * <p>Thread-safe. {@link #close()} stops consuming (unacked events go back to the group), delivers queued
 * notices (bounded) and closes the notifiers; it does not close the broker.
 */
public final class Monitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Monitor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MonitorConfig config;
    private final Clock clock;
    private final PipelineHealth health;
    private final RuleEngine engine;
    private final List<NotifierDispatch> dispatch = new ArrayList<>();
    private final ScheduledExecutorService ticker;
    private final Counter evaluated;
    private final Counter duplicates;
    private final Counter invalid;
    private final Counter bytes;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Consumer consumer;

    private Monitor(Builder b, Map<String, Notifier> notifiers) {
        this.config = b.config;
        this.clock = b.clock;
        this.health = b.health;
        health.bindTo(b.meters);
        MeterRegistry meters = b.meters;
        notifiers.forEach((name, notifier) -> dispatch.add(new NotifierDispatch(name, notifier, meters)));
        this.engine = new RuleEngine(config, clock.millis(), this::notifyAll, meters);
        this.evaluated = events(meters, "evaluated");
        this.duplicates = events(meters, "duplicate");
        this.invalid = events(meters, "invalid");
        this.bytes = Counter.builder("polybus.monitor.bytes").baseUnit("bytes")
                .description("Payload bytes of the events received").register(meters);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-monitor-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    private static Counter events(MeterRegistry meters, String outcome) {
        return Counter.builder("polybus.monitor.events").tag("outcome", outcome)
                .description("Events received by the monitor, by outcome").register(meters);
    }

    /**
     * Starts a monitor with the notifiers of {@code config}, the system clock and {@code meters}.
     *
     * @throws io.polybus.PolybusException when the subscription or a notifier's producer cannot be made
     */
    public static Monitor start(Broker broker, MonitorConfig config, MeterRegistry meters) {
        return builder(broker, config).meters(meters).start();
    }

    /** A builder for a monitor on {@code broker}; {@code config} must come from {@link MonitorConfig#bind}. */
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
            bytes.increment(message.payloadSize());
            boolean pack = EventPack.isPack(message);
            List<byte[]> events = EventPack.events(message);
            int broken = 0;
            for (int i = 0; i < events.size(); i++) {
                JsonNode json = parse(events.get(i));
                if (json == null) {
                    invalid.increment();
                    broken++;
                } else if (engine.offer(json, pack ? message.id() + "#" + i : message.id(), clock.millis())
                        == RuleEngine.Outcome.DUPLICATE) {
                    duplicates.increment();
                } else {
                    evaluated.increment();
                }
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

    private static JsonNode parse(byte[] event) {
        try {
            JsonNode json = JSON.readTree(event);
            return json != null && json.isObject() ? json : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void tick() {
        try {
            engine.tick(clock.millis());
        } catch (RuntimeException e) {
            log.error("monitor: evaluating rules failed", e);
        }
    }

    private void notifyAll(Alert alert) {
        log.debug("alert {} {}", alert.status(), alert.id());
        for (NotifierDispatch d : dispatch) {
            d.submit(alert);
        }
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
        ticker.shutdownNow();
        dispatch.forEach(NotifierDispatch::close);
    }

    /** Builds and starts a {@link Monitor}. Not thread-safe. */
    public static final class Builder {
        private final Broker broker;
        private final MonitorConfig config;
        private MeterRegistry meters = new SimpleMeterRegistry();
        private Clock clock = Clock.systemUTC();
        private PipelineHealth health;
        private PrintStream stdout = System.out;
        private final Map<String, Notifier> extra = new LinkedHashMap<>();

        private Builder(Broker broker, MonitorConfig config) {
            this.broker = Objects.requireNonNull(broker, "broker");
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Where meters go (default: a private registry nobody reads). */
        public Builder meters(MeterRegistry meters) {
            this.meters = Objects.requireNonNull(meters, "meters");
            return this;
        }

        /** The time windows and silences are measured in (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The health to feed (default: a new one, see {@link Monitor#health()}). */
        public Builder health(PipelineHealth health) {
            this.health = Objects.requireNonNull(health, "health");
            return this;
        }

        /** Where the {@code stdout} notifier writes (default {@link System#out}). */
        public Builder stdout(PrintStream out) {
            this.stdout = Objects.requireNonNull(out, "out");
            return this;
        }

        /** Adds a notifier to those of the configuration; the monitor closes it. */
        public Builder notifier(String name, Notifier notifier) {
            extra.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(notifier, "notifier"));
            return this;
        }

        /**
         * Creates the notifiers and subscribes.
         *
         * @throws io.polybus.PolybusException when the subscription or a topic notifier's producer cannot be made
         */
        public Monitor start() {
            if (health == null) {
                health = new PipelineHealth("monitor", clock, Duration.ofSeconds(30), Duration.ofMinutes(2));
            }
            Map<String, Notifier> notifiers = new LinkedHashMap<>();
            try {
                for (MonitorConfig.NotifierSpec spec : config.notifiers()) {
                    notifiers.put(spec.name(), NotifierDispatch.create(spec, broker, stdout, meters, health));
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
