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
import io.polybus.agent.Agent;
import io.polybus.events.ComponentContext;
import io.polybus.events.HealthCheck;
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
            process.open(options, prometheus);
            return process;
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
    }

    private void open(Options options, PrometheusMeterRegistry prometheus) {
        Clock clock = Clock.systemUTC();
        Broker broker = Brokers.open(file.broker(), registry);
        opened.push(broker);
        Map<String, HealthCheck> checks = new LinkedHashMap<>();
        String host = file.agent() != null ? file.agent().host() : null;
        Path dataDir = null;
        if (file.monitor() != null) {
            PipelineHealth health = health("monitor", clock);
            Monitor monitor = Monitor.builder(broker, file.monitor()).clock(clock).health(health)
                    .console(options.out() != null ? options.out() : System.out).start();
            opened.push(monitor);
            monitor.bindTo(registry);
            checks.put("monitor", health);
        }
        if (file.sinks() != null) {
            PipelineHealth health = health("sinks", clock);
            SinkRunner sinks = SinkRunner.start(broker, file.sinks(), new ComponentContext("sinks", host, broker, clock, dataDir), health);
            opened.push(sinks);
            sinks.bindTo(registry);
            checks.put("sinks", health);
        }
        if (file.agent() != null) {
            PipelineHealth health = health("agent", clock);
            agent = Agent.builder(file.agent()).broker(broker).meters(registry).health(health).open();
            opened.push(agent::stop);
            checks.put("agent", health);
        }
        if (prometheus != null) {
            metricsServer = MetricsServer.start(file.metrics(), prometheus, checks);
            opened.push(metricsServer);
        }
        ConsoleConfig console = file.console();
        if (agent != null && options.out() != null && (options.show() || console.enabled())) {
            Duration every = console.enabled() ? console.summaryInterval() : Duration.ofSeconds(2);
            opened.push(ConsoleReporter.start(agent, registry, options.out(), every,
                    options.show() ? Math.max(1, console.samples()) : console.samples()));
        }
        if (agent != null) {
            agent.start(new Agent.RunOptions(options.once(), options.stdin()));
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
