package io.polybus.cli.internal;

import io.polybus.monitor.Monitor;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.ConfigException;
import io.polybus.PolybusException;
import io.polybus.events.HealthCheck;
import io.polybus.agent.internal.hostmetrics.HostMetricsSource;
import io.polybus.events.PipelineHealth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code polybus monitor -c monitor.yaml}: runs a {@link Monitor} (plus the metrics endpoint and, when
 * enabled, the host-metrics source) until the process is stopped. Exit codes: 0 after a clean stop or a
 * successful {@code --check}, 1 when the broker or the endpoint cannot be opened, 2 for bad configuration.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = "Turn the log events of a topic into alerts: threshold, match and absence rules; "
                + "stdout, file, webhook and topic notifiers; Prometheus metrics and /health.")
public final class MonitorCommand implements Callable<Integer> {
    private static final long STOP_TIMEOUT_SECONDS = 30;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The monitor configuration (see examples/monitor.yaml).")
    Path config;

    @Option(names = "--check", description = "Validate the configuration, print a summary and exit.")
    boolean check;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        MonitorFile file;
        try {
            file = MonitorFile.read(config, System::getenv);
            List<ConfigException.Problem> brokerProblems = Brokers.validate(file.broker());
            if (!brokerProblems.isEmpty()) {
                throw new ConfigException(brokerProblems.stream()
                        .map(p -> new ConfigException.Problem("broker." + p.key(), p.value(), p.accepted())).toList());
            }
        } catch (ConfigException e) {
            err.println("polybus monitor: " + config + ": " + e.getMessage());
            err.flush();
            return 2;
        }
        if (check) {
            out.println(config + ": OK: broker " + file.broker().get("type").orElse("?") + ", topic '"
                    + file.monitor().topic() + "', " + file.monitor().rules().size() + " rules, "
                    + file.monitor().notifiers().size() + " notifiers");
            out.flush();
            return 0;
        }
        return run(file, err);
    }

    private int run(MonitorFile file, PrintWriter err) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Deque<AutoCloseable> running = new ArrayDeque<>();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "polybus-monitor-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Broker broker = Brokers.open(file.broker(), registry);
            running.push(broker);
            Clock clock = Clock.systemUTC();
            PipelineHealth health = new PipelineHealth("monitor", clock, file.metrics().brokerDownAfter(), file.metrics().ackStuckAfter());
            Monitor monitor = Monitor.builder(broker, file.monitor()).meters(registry).clock(clock).health(health)
                    .stdout(new PrintStream(System.out, true)).start();
            running.push(monitor);
            if (file.hostMetrics().enabled()) {
                running.push(HostMetricsSource.start(broker.producer(), file.hostMetrics(), clock, health));
            }
            if (file.metrics().enabled()) {
                Map<String, HealthCheck> checks = new LinkedHashMap<>();
                checks.put(health.name(), health);
                running.push(MetricsServer.start(file.metrics(), registry, checks));
            }
            stop.await();
            return 0;
        } catch (PolybusException | IllegalStateException e) {
            err.println("polybus monitor: " + e.getMessage());
            err.flush();
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            while (!running.isEmpty()) {
                try {
                    running.pop().close();
                } catch (Exception e) {
                    err.println("polybus monitor: while stopping: " + e);
                }
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already: the hook is running and waits for us
            }
        }
    }
}
