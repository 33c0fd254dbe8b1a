package io.polybus.agent;

import com.google.inject.Guice;
import com.google.inject.ProvisionException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.polybus.ConfigException;
import io.polybus.agent.internal.AgentModule;
import io.polybus.agent.internal.AgentRuntime;
import io.polybus.cli.internal.ConsoleReporter;
import io.polybus.agent.internal.Settings;
import io.polybus.events.HealthCheck;
import io.polybus.agent.internal.hostmetrics.HostMetricsConfig;
import io.polybus.agent.internal.hostmetrics.HostMetricsSource;
import io.polybus.cli.internal.MetricsConfig;
import io.polybus.cli.internal.MetricsServer;
import io.polybus.monitor.Monitor;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The log-shipping agent: reads the configured sources, turns lines into events and delivers them at least
 * once to the configured broker, checkpointing what the broker acknowledged.
 *
 * <pre>{@code
 * try (Agent agent = Agent.create(Path.of("agent.yaml"), registry)) {
 *     agent.start(Agent.RunOptions.defaults());
 *     ...   // until SIGTERM
 * }   // close(): stop reading, wait for acknowledgements, save checkpoints
 * }</pre>
 *
 * <p>Thread-safe: {@link #stop()} may be called from any thread (e.g. a signal handler). Meters go to the
 * {@link MeterRegistry} given at creation (names start with {@code polybus.agent.}).
 */
public final class Agent implements AutoCloseable {
    private final AgentRuntime runtime;
    private final PrometheusMeterRegistry prometheus;
    private final Deque<AutoCloseable> companions = new ArrayDeque<>();
    private ConsoleReporter console;
    private Monitor monitor;
    private MetricsServer metricsServer;

    private Agent(AgentRuntime runtime, PrometheusMeterRegistry prometheus) {
        this.runtime = runtime;
        this.prometheus = prometheus;
    }

    /**
     * How to run.
     *
     * @param once    end when every source reached the end of its input (and everything was acknowledged)
     * @param show    print a periodic summary (and, with the memory broker, sample events) even when the
     *                configuration's {@code console} section does not ask for it
     * @param console where summaries go, or {@code null} for nowhere
     * @param stdin   what a {@code stdin} source reads
     */
    public record RunOptions(boolean once, boolean show, PrintStream console, InputStream stdin) {
        public static RunOptions defaults() {
            return new RunOptions(false, false, null, System.in);
        }
    }

    /**
     * Reads and validates {@code configFile}, then connects to its broker.
     *
     * @throws ConfigException                     listing every problem of the configuration
     * @throws io.polybus.BrokerUnavailableException when the broker cannot be reached
     * @throws IllegalStateException               when another agent uses the same data directory
     */
    public static Agent create(Path configFile, MeterRegistry meters) {
        return create(Settings.load(configFile), meters);
    }

    /** Like {@link #create(Path, MeterRegistry)} from YAML text (placeholders expanded from the environment). */
    public static Agent fromYaml(String yaml, MeterRegistry meters) {
        return create(Settings.parse(yaml, System::getenv), meters);
    }

    private static Agent create(Settings settings, MeterRegistry meters) {
        PrometheusMeterRegistry prometheus = null;
        MeterRegistry registry = meters;
        if (settings.metrics().map(MetricsConfig::enabled).orElse(false)) {
            prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(prometheus);
            new ProcessorMetrics().bindTo(prometheus);
            CompositeMeterRegistry both = new CompositeMeterRegistry();
            both.add(prometheus);
            both.add(meters);
            registry = both;
        }
        try {
            return new Agent(Guice.createInjector(new AgentModule(settings, registry)).getInstance(AgentRuntime.class), prometheus);
        } catch (ProvisionException e) {
            // Guice wraps what a provider threw (broker unreachable, data directory in use): rethrow that.
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof RuntimeException r && !(t instanceof ProvisionException)) {
                    throw r;
                }
            }
            throw e;
        }
    }

    /**
     * Starts reading.
     *
     * @throws IllegalStateException when a syslog source cannot listen on its address; {@link #stop()} then
     *                               closes what was started
     */
    public void start(RunOptions options) {
        Settings.Console c = runtime.settings().console();
        if (options.console() != null && (options.show() || c.enabled())) {
            Duration every = c.enabled() ? c.summaryInterval() : Duration.ofSeconds(2);
            console = ConsoleReporter.start(runtime, options.console(), every, options.show() ? Math.max(1, c.samples()) : c.samples());
        }
        // The monitor's group must exist before the first event is sent, or a new group on a real broker misses it.
        startCompanions(options);
        runtime.start(options.once(), options.stdin());
    }

    /**
     * The monitor, the host-metrics source and the metrics endpoint, when their sections are present: they
     * share the agent's broker, so on the memory broker the agent alone shows alerts.
     */
    private void startCompanions(RunOptions options) {
        Settings settings = runtime.settings();
        MeterRegistry registry = runtime.metrics().registry();
        Map<String, HealthCheck> checks = new LinkedHashMap<>();
        checks.put("agent", runtime.metrics().health());
        settings.monitor().ifPresent(config -> {
            Monitor.Builder builder = Monitor.builder(runtime.broker(), config).meters(registry);
            if (options.console() != null) {
                builder.stdout(options.console());
            }
            monitor = builder.start();
            companions.push(monitor);
            checks.put("monitor", monitor.health());
        });
        settings.hostMetrics().filter(HostMetricsConfig::enabled).ifPresent(config ->
                companions.push(HostMetricsSource.start(runtime.broker().producer(), config, Clock.systemUTC(),
                        runtime.metrics().health())));
        if (prometheus != null) {
            metricsServer = MetricsServer.start(settings.metrics().orElseThrow(), prometheus, checks);
            companions.push(metricsServer);
        }
    }

    /** The port of the metrics endpoint, when the {@code metrics} section enabled it. */
    public OptionalInt metricsPort() {
        return metricsServer == null ? OptionalInt.empty() : OptionalInt.of(metricsServer.port());
    }

    /**
     * Waits until every source ended: in {@code once} mode at the end of their input, a {@code stdin} source
     * at the end of stdin. File sources without {@code once} never end by themselves.
     *
     * @return false when {@code timeout} passed first
     */
    public boolean awaitSourcesEnded(Duration timeout) throws InterruptedException {
        return runtime.awaitSources(timeout);
    }

    /**
     * Stops reading, waits (bounded by {@code delivery.shutdown-timeout}) for the broker to acknowledge what was
     * sent, saves checkpoints and closes the broker. Idempotent.
     *
     * @return true when everything sent was acknowledged
     */
    public boolean stop() {
        return runtime.stop(() -> {
            if (console != null) {
                console.close();
            }
            while (!companions.isEmpty()) {
                try {
                    companions.pop().close();
                } catch (Exception e) {
                    LoggerFactory.getLogger(Agent.class).warn("while stopping: {}", e.toString());
                }
            }
        });
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
