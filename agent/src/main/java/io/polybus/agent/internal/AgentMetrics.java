package io.polybus.agent.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.polybus.events.PipelineHealth;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The agent's meters, registered in the application's {@link MeterRegistry}. Names use Micrometer's dotted
 * style ({@code polybus.agent.events.read}); per-source meters are tagged {@code source}, delivery meters also
 * {@code output} (the broker type).
 */
public final class AgentMetrics {
    public static final String PREFIX = "polybus.agent.";

    private final MeterRegistry registry;
    private final String output;
    private final AtomicInteger connected = new AtomicInteger(1);
    private final Counter retries;
    private final PipelineHealth health;

    public AgentMetrics(MeterRegistry registry, String output, PipelineHealth health) {
        this.registry = registry;
        this.output = output;
        this.health = health;
        health.bindTo(registry);
        Gauge.builder(PREFIX + "broker.connected", connected, AtomicInteger::get)
                .description("1 while the broker accepts events, 0 while sends fail and are retried")
                .tag("output", output).register(registry);
        this.retries = Counter.builder(PREFIX + "retries").description("sends retried after a failure")
                .tag("output", output).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String output() {
        return output;
    }

    void connected(boolean up) {
        connected.set(up ? 1 : 0);
        if (up) {
            health.brokerReachable();
        } else {
            health.brokerUnreachable("sends to broker '" + output + "' are failing and being retried");
        }
    }

    /** What {@code /health} reports for the agent's output. */
    public PipelineHealth health() {
        return health;
    }

    public boolean connected() {
        return connected.get() == 1;
    }

    Counter retries() {
        return retries;
    }

    void gauge(String name, String description, Supplier<Number> value, String... tags) {
        Gauge.builder(PREFIX + name, value).description(description).tags(tags).register(registry);
    }

    Counter counter(String name, String description, String... tags) {
        return Counter.builder(PREFIX + name).description(description).tags(tags).register(registry);
    }

    /** A gauge tagged with the source and file path; remove it with {@link #remove} when the file is released. */
    Meter fileLag(String source, String path, Supplier<Number> lag) {
        return Gauge.builder(PREFIX + "file.lag.bytes", lag)
                .description("bytes of the file not yet acknowledged by the broker")
                .tags("source", source, "path", path).register(registry);
    }

    /** The sum of every counter (plain or function) named {@code polybus.agent.<name>}. */
    public double total(String name) {
        return registry.find(PREFIX + name).counters().stream().mapToDouble(Counter::count).sum()
                + registry.find(PREFIX + name).functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

    void remove(Meter meter) {
        registry.remove(meter);
    }

    SourceMeters source(String name) {
        return new SourceMeters(name);
    }

    /**
     * The counters of one source. Those counted once or more per event are adders read by function counters,
     * so the hot path pays an uncontended add, whatever registry (composite, Prometheus, ...) is behind.
     */
    public final class SourceMeters {
        final LongAdder read = new LongAdder();
        final LongAdder bytesRead = new LongAdder();
        final LongAdder sent = new LongAdder();
        final LongAdder bytesSent = new LongAdder();
        final LongAdder acked = new LongAdder();
        final Counter failed;
        final Counter filtered;
        final Counter tooLarge;
        final Counter truncated;
        final Counter split;
        final Counter invalidEncoding;

        private SourceMeters(String source) {
            adder(read, "events.read", "log events read", source, false);
            adder(bytesRead, "bytes.read", "bytes read from the source", source, false);
            adder(sent, "events.sent", "events handed to the broker", source, true);
            adder(bytesSent, "bytes.sent", "payload bytes handed to the broker", source, true);
            adder(acked, "events.acked", "events the broker acknowledged", source, true);
            failed = counter("events.failed", "send attempts that failed (each is retried)", source, true);
            filtered = Counter.builder(PREFIX + "events.dropped").description("events not delivered, by reason")
                    .tags("source", source, "reason", "filtered").register(registry);
            tooLarge = Counter.builder(PREFIX + "events.dropped").description("events not delivered, by reason")
                    .tags("source", source, "reason", "rejected").register(registry);
            truncated = counter("events.truncated", "events cut to the maximum event size", source, false);
            split = counter("events.split", "chunks of lines split at the maximum event size", source, false);
            invalidEncoding = counter("events.invalid_encoding", "events with bytes invalid in their encoding (replaced)", source, false);
        }

        private void adder(LongAdder adder, String name, String description, String source, boolean withOutput) {
            FunctionCounter.Builder<LongAdder> b = FunctionCounter.builder(PREFIX + name, adder, LongAdder::sum)
                    .description(description).tag("source", source);
            if (withOutput) {
                b.tag("output", output);
            }
            b.register(registry);
        }

        private Counter counter(String name, String description, String source, boolean withOutput) {
            Counter.Builder b = Counter.builder(PREFIX + name).description(description).tag("source", source);
            if (withOutput) {
                b.tag("output", output);
            }
            return b.register(registry);
        }

    }
}
