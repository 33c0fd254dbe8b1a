package io.polybus.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.agent.internal.AgentMetrics;
import io.polybus.agent.internal.AgentRuntime;
import io.polybus.agent.internal.AgentSettings;
import io.polybus.agent.internal.CheckpointStore;
import io.polybus.agent.internal.Shipper;
import io.polybus.events.PipelineHealth;

import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The log-shipping agent: reads the configured sources, runs each event through its source's processors, and
 * delivers it at least once to the broker, checkpointing what the broker acknowledged.
 *
 * <pre>{@code
 * try (Agent agent = Agent.builder(AgentConfig.load(Path.of("agent.yaml"))).meters(registry).open()) {
 *     agent.start(Agent.RunOptions.defaults());
 *     ...   // until SIGTERM
 * }   // close(): stop reading, wait for acknowledgements, save checkpoints
 * }</pre>
 *
 * <p>Thread-safe: {@link #stop()} may be called from any thread (e.g. a signal handler). Meters go to the
 * builder's {@link MeterRegistry} (names start with {@code polybus.agent.}).
 */
public final class Agent implements AutoCloseable {
    private final AgentConfig config;
    private final Broker broker;
    private final boolean ownsBroker;
    private final AgentRuntime runtime;
    private final PipelineHealth health;

    private Agent(AgentConfig config, Broker broker, boolean ownsBroker, AgentRuntime runtime, PipelineHealth health) {
        this.config = config;
        this.broker = broker;
        this.ownsBroker = ownsBroker;
        this.runtime = runtime;
        this.health = health;
    }

    /**
     * How to run.
     *
     * @param once  end when every source reached the end of its input (and everything was acknowledged)
     * @param stdin what a {@code stdin} source reads
     */
    public record RunOptions(boolean once, InputStream stdin) {
        public RunOptions {
            Objects.requireNonNull(stdin, "stdin");
        }

        public static RunOptions defaults() {
            return new RunOptions(false, System.in);
        }
    }

    /** A builder for an agent with {@code config}. */
    public static Builder builder(AgentConfig config) {
        return new Builder(config);
    }

    /** An agent from YAML text (placeholders expanded from the environment), on its own broker. */
    public static Agent fromYaml(String yaml, MeterRegistry meters) {
        return builder(AgentConfig.fromYaml(yaml, System::getenv)).meters(meters).open();
    }

    /**
     * Starts reading.
     *
     * @throws IllegalStateException when a source cannot open (a syslog source cannot listen on its address);
     *                               {@link #stop()} then closes what was opened
     */
    public void start(RunOptions options) {
        runtime.start(options.once(), options.stdin());
    }

    /** The configuration it runs. */
    public AgentConfig config() {
        return config;
    }

    /** The broker it ships to. */
    public Broker broker() {
        return broker;
    }

    /** Unhealthy when the broker has been unreachable, or acknowledgements stuck, for too long. */
    public PipelineHealth health() {
        return health;
    }

    /** Event bytes handed to the broker and not yet acknowledged. */
    public long inFlightBytes() {
        return runtime.inFlightBytes();
    }

    /** False while sends to the broker fail and are retried. */
    public boolean brokerAccepting() {
        return runtime.metrics().connected();
    }

    /**
     * Waits until every source ended: in {@code once} mode at the end of their input, a {@code stdin} source at the
     * end of stdin. File sources without {@code once} never end by themselves.
     *
     * @return false when {@code timeout} passed first
     */
    public boolean awaitSourcesEnded(Duration timeout) throws InterruptedException {
        return runtime.awaitSources(timeout);
    }

    /**
     * Stops reading, waits (bounded by {@code delivery.shutdown-timeout}) for the broker to acknowledge what was
     * sent, saves checkpoints, and closes the broker when the agent opened it. Idempotent.
     *
     * @return true when everything sent was acknowledged (none refused for good, e.g. as too large)
     */
    public boolean stop() {
        boolean acknowledged = runtime.stop();
        if (ownsBroker) {
            broker.close();
        }
        return acknowledged;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Opens an {@link Agent}. Not thread-safe. */
    public static final class Builder {
        private final AgentConfig config;
        private Broker broker;
        private MeterRegistry meters = new SimpleMeterRegistry();
        private PipelineHealth health;

        private Builder(AgentConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Ship to this broker (shared, not closed by the agent) instead of opening the configuration's. */
        public Builder broker(Broker shared) {
            this.broker = Objects.requireNonNull(shared, "broker");
            return this;
        }

        /** Where the agent's meters go (default: a private registry nobody reads). */
        public Builder meters(MeterRegistry registry) {
            this.meters = Objects.requireNonNull(registry, "meters");
            return this;
        }

        /** The health to feed (default: broker down for 30 s or acknowledgements stuck for 2 min is unhealthy). */
        public Builder health(PipelineHealth pipelineHealth) {
            this.health = Objects.requireNonNull(pipelineHealth, "health");
            return this;
        }

        /**
         * Opens the broker (unless one was given), then locks the data directory. The broker comes first, so a
         * broker that cannot be reached leaves nothing locked behind and the caller can retry; when a later step
         * fails, what was opened is closed.
         *
         * @throws io.polybus.BrokerUnavailableException when the broker cannot be reached (retriable)
         * @throws IllegalStateException                 when another agent uses the same data directory
         * @throws java.io.UncheckedIOException          when the data directory cannot be used
         */
        public Agent open() {
            AgentSettings s = config.settings();
            boolean owned = broker == null;
            Broker b = owned ? Brokers.open(config.broker(), meters) : broker;
            try {
                CheckpointStore checkpoints = new CheckpointStore(s.checkpoints() ? s.dataDir() : null, s.checkpointExpiry());
                try {
                    PipelineHealth h = health != null ? health
                            : new PipelineHealth("agent", Clock.systemUTC(), Duration.ofSeconds(30), Duration.ofMinutes(2));
                    AgentMetrics metrics = new AgentMetrics(b.type(), h);
                    Shipper shipper = new Shipper(b, s.delivery(), metrics);
                    metrics.bindTo(meters);
                    shipper.bindTo(meters);
                    return new Agent(config, b, owned, new AgentRuntime(s, b, checkpoints, shipper, metrics, meters), h);
                } catch (RuntimeException e) {
                    checkpoints.close();
                    throw e;
                }
            } catch (RuntimeException e) {
                if (owned) {
                    b.close();
                }
                throw e;
            }
        }
    }
}
