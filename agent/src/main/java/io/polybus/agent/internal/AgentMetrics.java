package io.polybus.agent.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.events.PipelineHealth;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The agent's meters. Names use Micrometer's dotted style ({@code polybus.agent.events.read}); per-source meters
 * are tagged {@code source}, delivery meters also {@code output} (the broker type). Counted on the hot path with
 * uncontended adders; {@link #bindTo} registers them once, whatever registry (composite, Prometheus, ...) is
 * behind. Meters that come and go with files are registered in the bound registry as they do.
 */
public final class AgentMetrics implements MeterBinder {
    public static final String PREFIX = "polybus.agent.";

    private final String output;
    private final AtomicInteger connected = new AtomicInteger(1);
    private final LongAdder retries = new LongAdder();
    private final PipelineHealth health;
    private final List<SourceMeters> sources = new CopyOnWriteArrayList<>();
    private volatile MeterRegistry registry;

    public AgentMetrics(String output, PipelineHealth health) {
        this.output = output;
        this.health = health;
    }

    @Override
    public void bindTo(MeterRegistry r) {
        this.registry = r;
        health.bindTo(r);
        Gauge.builder(PREFIX + "broker.connected", connected, AtomicInteger::get)
                .description("1 while the broker accepts events, 0 while sends fail and are retried")
                .tag("output", output).register(r);
        FunctionCounter.builder(PREFIX + "retries", retries, LongAdder::sum).description("sends retried after a failure")
                .tag("output", output).register(r);
        sources.forEach(s -> s.bindTo(r));
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

    void retried() {
        retries.increment();
    }

    /** A gauge registered in the bound registry now. */
    public void gauge(String name, String description, Supplier<Number> value, String... tags) {
        Gauge.builder(PREFIX + name, value).description(description).tags(tags).register(bound());
    }

    /** A gauge tagged with the source and file path; remove it with {@link #remove} when the file is released. */
    public Meter fileLag(String source, String path, Supplier<Number> lag) {
        return Gauge.builder(PREFIX + "file.lag.bytes", lag)
                .description("bytes of the file not yet acknowledged by the broker")
                .tags("source", source, "path", path).register(bound());
    }

    public void remove(Meter meter) {
        bound().remove(meter);
    }

    private MeterRegistry bound() {
        MeterRegistry r = registry;
        if (r == null) {
            throw new IllegalStateException("the agent's meters are not bound yet");
        }
        return r;
    }

    /** The meters of one source, bound with the agent's. */
    SourceMeters source(String name) {
        SourceMeters m = new SourceMeters(name);
        sources.add(m);
        MeterRegistry r = registry;
        if (r != null) {
            m.bindTo(r);
        }
        return m;
    }

    /** The counters of one source. */
    public final class SourceMeters implements MeterBinder {
        private final String source;
        final LongAdder read = new LongAdder();
        final LongAdder bytesRead = new LongAdder();
        final LongAdder sent = new LongAdder();
        final LongAdder bytesSent = new LongAdder();
        final LongAdder acked = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder filtered = new LongAdder();
        final LongAdder tooLarge = new LongAdder();
        final LongAdder cutOff = new LongAdder();
        final LongAdder truncated = new LongAdder();
        final LongAdder split = new LongAdder();
        final LongAdder invalidEncoding = new LongAdder();

        private SourceMeters(String source) {
            this.source = source;
        }

        @Override
        public void bindTo(MeterRegistry r) {
            adder(r, read, "events.read", "log events read", false);
            adder(r, bytesRead, "bytes.read", "bytes read from the source", false);
            adder(r, sent, "events.sent", "events handed to the broker", true);
            adder(r, bytesSent, "bytes.sent", "payload bytes handed to the broker", true);
            adder(r, acked, "events.acked", "events the broker acknowledged", true);
            adder(r, failed, "events.failed", "send attempts that failed (each is retried)", true);
            FunctionCounter.builder(PREFIX + "events.dropped", filtered, LongAdder::sum).description("events not delivered, by reason")
                    .tags("source", source, "reason", "filtered").register(r);
            FunctionCounter.builder(PREFIX + "events.dropped", tooLarge, LongAdder::sum).description("events not delivered, by reason")
                    .tags("source", source, "reason", "rejected").register(r);
            FunctionCounter.builder(PREFIX + "events.dropped", cutOff, LongAdder::sum).description("events not delivered, by reason")
                    .tags("source", source, "reason", "cut_off").register(r);
            adder(r, truncated, "events.truncated", "events cut to the maximum event size", false);
            adder(r, split, "events.split", "chunks of lines split at the maximum event size", false);
            adder(r, invalidEncoding, "events.invalid_encoding", "events with bytes invalid in their encoding (replaced)", false);
        }

        private void adder(MeterRegistry r, LongAdder adder, String name, String description, boolean withOutput) {
            FunctionCounter.Builder<LongAdder> b = FunctionCounter.builder(PREFIX + name, adder, LongAdder::sum)
                    .description(description).tag("source", source);
            if (withOutput) {
                b.tag("output", output);
            }
            b.register(r);
        }
    }
}
