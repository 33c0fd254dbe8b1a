package io.polybus.agent;

import com.google.inject.Guice;
import com.google.inject.ProvisionException;
import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.ConfigException;
import io.polybus.agent.internal.AgentModule;
import io.polybus.agent.internal.AgentRuntime;
import io.polybus.agent.internal.ConsoleReporter;
import io.polybus.agent.internal.Settings;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

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
    private ConsoleReporter console;

    private Agent(AgentRuntime runtime) {
        this.runtime = runtime;
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
        try {
            return new Agent(Guice.createInjector(new AgentModule(settings, meters)).getInstance(AgentRuntime.class));
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

    /** Starts reading. */
    public void start(RunOptions options) {
        Settings.Console c = runtime.settings().console();
        if (options.console() != null && (options.show() || c.enabled())) {
            Duration every = c.enabled() ? c.summaryInterval() : Duration.ofSeconds(2);
            console = ConsoleReporter.start(runtime, options.console(), every, options.show() ? Math.max(1, c.samples()) : c.samples());
        }
        runtime.start(options.once(), options.stdin());
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
        });
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
