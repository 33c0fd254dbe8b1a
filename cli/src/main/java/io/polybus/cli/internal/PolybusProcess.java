package io.polybus.cli.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.RetriableException;
import io.polybus.agent.Agent;
import io.polybus.events.ComponentContext;
import io.polybus.events.PipelineHealth;
import io.polybus.monitor.Monitor;
import io.polybus.sinks.SinkRunner;
import org.slf4j.Logger;
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
 * What one {@code polybus} process runs from its file (a file runs what it has), beside one broker: the monitor and
 * the sinks (their groups
 * exist before the first event is sent, so on a new group nothing is missed), then the agent's sources, the
 * metrics and health endpoint, and the console for people. Parts are opened in that order and closed in the
 * reverse; when one cannot open, what opened is closed. Thread-safe: {@link #close()} may be called from any
 * thread (a signal handler).
 */
public final class PolybusProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PolybusProcess.class);

    /**
     * How to run the file.
     *
     * @param once    sources end at the end of their input
     * @param show    print a summary every few seconds even when the file's {@code console} section does not ask
     * @param out     where people read (summaries, the stdout notifier), or null for nowhere
     * @param stdin   what a stdin source reads
     */
    record Options(boolean once, boolean show, PrintStream out, InputStream stdin) {
    }

    /** What to do while the broker cannot be reached at start. */
    @FunctionalInterface
    interface BrokerRetry {
        /**
         * Waits before the next attempt to open the broker.
         *
         * @return false to give up (the process was asked to stop)
         */
        boolean awaitRetry(RetriableException e) throws InterruptedException;
    }

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private final PolybusFile file;
    private final MeterRegistry registry;
    private Agent agent;
    private MetricsServer metricsServer;
    private boolean closed;
    private boolean acknowledgedAll = true;

    private PolybusProcess(PolybusFile file, MeterRegistry registry) {
        this.file = file;
        this.registry = registry;
    }

    /**
     * Opens the broker and starts what the file has.
     *
     * @param meters where meters go besides the Prometheus endpoint (when the file has a {@code metrics} section)
     * @throws io.polybus.PolybusException when the broker or a part cannot be opened (a
     *                                     {@link io.polybus.RetriableException} when the broker cannot be reached)
     * @throws IllegalStateException       when the data directory is in use, a source cannot listen, or the metrics
     *                                     port cannot be bound
     */
    static PolybusProcess start(PolybusFile file, Options options, MeterRegistry meters) {
        try {
            return start(file, options, meters, e -> {
                throw e;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    /**
     * Opens the broker, retrying as {@code retry} says while it cannot be reached (the metrics and health endpoint
     * answers meanwhile, reporting each part down with the reason), and starts what the file has.
     *
     * @return the running process, or null when {@code retry} gave up
     */
    static PolybusProcess start(PolybusFile file, Options options, MeterRegistry meters, BrokerRetry retry)
            throws InterruptedException {
        PrometheusMeterRegistry prometheus = null;
        MeterRegistry registry = meters;
        if (file.metrics() != null && file.metrics().enabled()) {
            prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(prometheus);
            new JvmThreadMetrics().bindTo(prometheus);
            new ProcessorMetrics().bindTo(prometheus);
            new UptimeMetrics().bindTo(prometheus);
            CompositeMeterRegistry both = new CompositeMeterRegistry();
            both.add(prometheus);
            both.add(meters);
            registry = both;
        }
        PolybusProcess process = new PolybusProcess(file, registry);
        try {
            if (process.open(options, prometheus, retry)) {
                return process;
            }
            process.close();
            return null;
        } catch (RuntimeException | InterruptedException e) {
            process.close();
            throw e;
        }
    }

    /** Opens every part; false when the broker could not be opened and {@code retry} gave up. */
    private boolean open(Options options, PrometheusMeterRegistry prometheus, BrokerRetry retry) throws InterruptedException {
        Clock clock = Clock.systemUTC();
        Map<String, StartingHealth> checks = new LinkedHashMap<>();
        for (String part : new String[] {"monitor", "sinks", "agent"}) {
            if (part.equals("monitor") ? file.monitor() != null : part.equals("sinks") ? file.sinks() != null : file.agent() != null) {
                checks.put(part, new StartingHealth());
            }
        }
        if (prometheus != null) {
            metricsServer = MetricsServer.start(file.metrics(), prometheus, new LinkedHashMap<>(checks));
            opened.push(metricsServer);
        }
        Broker broker = openBroker(checks, retry);
        if (broker == null) {
            return false;
        }
        opened.push(broker);
        String host = file.agent() != null ? file.agent().host() : null;
        Path dataDir = null;
        if (file.monitor() != null) {
            PipelineHealth health = health("monitor", clock);
            Monitor monitor = Monitor.builder(broker, file.monitor()).clock(clock).health(health)
                    .console(options.out() != null ? options.out() : System.out).start();
            opened.push(monitor);
            monitor.bindTo(registry);
            checks.get("monitor").running(health);
        }
        if (file.sinks() != null) {
            PipelineHealth health = health("sinks", clock);
            SinkRunner sinks = SinkRunner.start(broker, file.sinks(), new ComponentContext("sinks", host, broker, clock, dataDir), health);
            opened.push(sinks);
            sinks.bindTo(registry);
            checks.get("sinks").running(health);
        }
        if (file.agent() != null) {
            PipelineHealth health = health("agent", clock);
            agent = Agent.builder(file.agent()).broker(broker).meters(registry).health(health).open();
            opened.push(agent::stop);
            checks.get("agent").waiting("starting: opening the sources");
        }
        ConsoleConfig console = file.console();
        if (agent != null && options.out() != null && (options.show() || console.enabled())) {
            Duration every = console.enabled() ? console.summaryInterval() : Duration.ofSeconds(2);
            opened.push(ConsoleReporter.start(agent, registry, options.out(), every,
                    options.show() ? Math.max(1, console.samples()) : console.samples()));
        }
        if (agent != null) {
            agent.start(new Agent.RunOptions(options.once(), options.stdin()));
            checks.get("agent").running(agent.health());
        }
        return true;
    }

    /** Opens the broker, retrying while it cannot be reached; null when {@code retry} gave up. */
    private Broker openBroker(Map<String, StartingHealth> checks, BrokerRetry retry) throws InterruptedException {
        while (true) {
            try {
                return Brokers.open(file.broker(), registry);
            } catch (RetriableException e) {
                checks.values().forEach(c -> c.waiting("cannot reach the broker, retrying: " + e.getMessage()));
                if (!retry.awaitRetry(e)) {
                    return null;
                }
            }
        }
    }

    private PipelineHealth health(String name, Clock clock) {
        MetricsConfig m = file.metrics();
        return m == null ? new PipelineHealth(name, clock, Duration.ofSeconds(30), Duration.ofMinutes(2))
                : new PipelineHealth(name, clock, m.brokerDownAfter(), m.ackStuckAfter());
    }

    /** The port of the metrics endpoint, when the file's {@code metrics} section enabled it. */
    OptionalInt metricsPort() {
        return metricsServer == null ? OptionalInt.empty() : OptionalInt.of(metricsServer.port());
    }

    /** The agent, when the process runs sources. */
    Agent agent() {
        return agent;
    }

    /** Waits until every source ended (always true without sources: nothing to wait for). */
    boolean awaitSourcesEnded(Duration timeout) throws InterruptedException {
        return agent == null || agent.awaitSourcesEnded(timeout);
    }

    /**
     * Stops the sources (waiting, bounded, for the broker's acknowledgements), then everything else in the reverse
     * order of opening, the broker last. Idempotent.
     *
     * @return true when every event the agent sent was acknowledged
     */
    synchronized boolean stop() {
        if (closed) {
            return acknowledgedAll;
        }
        closed = true;
        if (agent != null) {
            acknowledgedAll = agent.stop();
        }
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                log.warn("while stopping: {}", e.toString());
            }
        }
        return acknowledgedAll;
    }

    @Override
    public void close() {
        stop();
    }
}
