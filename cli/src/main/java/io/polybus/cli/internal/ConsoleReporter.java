package io.polybus.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.AckMode;
import io.polybus.ConsumerOptions;
import io.polybus.agent.Agent;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells a person at a terminal what the agent does: every interval a line with events read and acknowledged
 * (and the rate), bytes in flight and the broker's state; with the in-process {@code memory} broker it also
 * reads the sources' topics back and prints the latest events as they arrived. (On a real broker it does not
 * subscribe: that would leave a group behind.)
 */
final class ConsoleReporter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Agent agent;
    private final MeterRegistry registry;
    private final PrintStream out;
    private final int samples;
    private final ArrayDeque<String> latest = new ArrayDeque<>();
    private final ScheduledExecutorService timer;
    private final long started = System.nanoTime();
    private double lastRead;
    private long lastNanos = started;
    private boolean idleShown;
    private final List<io.polybus.Consumer> consumers = new ArrayList<>();

    private ConsoleReporter(Agent agent, MeterRegistry registry, PrintStream out, int samples) {
        this.agent = agent;
        this.registry = registry;
        this.out = out;
        this.samples = samples;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-console");
            t.setDaemon(true);
            return t;
        });
    }

    static ConsoleReporter start(Agent agent, MeterRegistry registry, PrintStream out, Duration every, int samples) {
        ConsoleReporter r = new ConsoleReporter(agent, registry, out, samples);
        if (samples > 0 && agent.broker().type().equals("memory")) {
            r.subscribe();
        }
        r.timer.scheduleAtFixedRate(r::report, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return r;
    }

    private void subscribe() {
        Set<String> topics = new LinkedHashSet<>();
        agent.config().sources().forEach(s -> {
            if (!s.topic().contains("{")) {
                topics.add(s.topic());
            }
        });
        for (String topic : topics) {
            consumers.add(agent.broker().subscribe(ConsumerOptions.builder(topic, "polybus-console")
                    .ackMode(AckMode.AUTO).noDeadLetter().build(), d -> {
                        synchronized (latest) {
                            latest.addLast(d.message().payloadAsString());
                            if (latest.size() > samples) {
                                latest.removeFirst();
                            }
                        }
                    }));
        }
    }

    private boolean latestEmpty() {
        synchronized (latest) {
            return latest.isEmpty();
        }
    }

    /** The sum of every counter named {@code polybus.agent.<name>}. */
    private double total(String name) {
        String full = "polybus.agent." + name;
        return registry.find(full).counters().stream().mapToDouble(Counter::count).sum()
                + registry.find(full).functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

    private void report() {
        long now = System.nanoTime();
        double read = total("events.read");
        if (read == lastRead && agent.inFlightBytes() == 0 && latestEmpty()) {
            if (!idleShown) {
                idleShown = true;
                out.println("polybus agent | all caught up; waiting for new lines (Ctrl-C to stop)");
                out.flush();
            }
            lastNanos = now;
            return;
        }
        idleShown = false;
        double rate = (read - lastRead) / Math.max(1e-9, (now - lastNanos) / 1e9);
        lastRead = read;
        lastNanos = now;
        out.printf("polybus agent | read %,.0f events (%,.0f/s) | acknowledged %,.0f | dropped %,.0f | in flight %,d B | broker %s %s%n",
                read, rate, total("events.acked"), total("events.dropped"), agent.inFlightBytes(),
                agent.broker().type(), agent.brokerAccepting() ? "connected" : "NOT ACCEPTING (retrying)");
        List<String> sample;
        synchronized (latest) {
            sample = new ArrayList<>(latest);
            latest.clear();
        }
        for (String s : sample) {
            try {
                out.println("  latest event: " + JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(s))
                        .replace("\n", "\n  "));
            } catch (java.io.IOException e) {
                out.println("  latest event: " + s);
            }
        }
        out.flush();
    }

    /** Prints a last summary and stops. */
    @Override
    public void close() {
        timer.shutdownNow();
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (samples > 0 && !consumers.isEmpty() && System.nanoTime() < deadline && latestEmpty()) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        consumers.forEach(io.polybus.Consumer::close);
        report();
        double secs = (System.nanoTime() - started) / 1e9;
        double acked = total("events.acked");
        out.printf("polybus agent | done: read %,.0f events, acknowledged %,.0f, in %.2f s (%,.0f acknowledged/s)%n",
                total("events.read"), acked, secs, acked / Math.max(1e-9, secs));
        out.flush();
    }
}
