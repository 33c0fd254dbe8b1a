package io.polybus.agent.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;
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

    public AgentMetrics(MeterRegistry registry, String output) {
        this.registry = registry;
        this.output = output;
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

    /** A gauge tagged with the source and file path; remove it with {@link #remove} when the file is released. */
    Meter fileLag(String source, String path, Supplier<Number> lag) {
        return Gauge.builder(PREFIX + "file.lag.bytes", lag)
                .description("bytes of the file not yet acknowledged by the broker")
                .tags("source", source, "path", path).register(registry);
    }

    void remove(Meter meter) {
        registry.remove(meter);
    }

    SourceMeters source(String name) {
        return new SourceMeters(name);
    }

    /** The counters of one source. */
    public final class SourceMeters {
        final Counter read;
        final Counter bytesRead;
        final Counter sent;
        final Counter bytesSent;
        final Counter acked;
        final Counter failed;
        final Counter filtered;
        final Counter tooLarge;
        final Counter truncated;
        final Counter split;
        final Counter invalidEncoding;

        private SourceMeters(String source) {
            read = counter("events.read", "log events read", source, false);
            bytesRead = counter("bytes.read", "bytes read from the source", source, false);
            sent = counter("events.sent", "events handed to the broker", source, true);
            bytesSent = counter("bytes.sent", "payload bytes handed to the broker", source, true);
            acked = counter("events.acked", "events the broker acknowledged", source, true);
            failed = counter("events.failed", "send attempts that failed (each is retried)", source, true);
            filtered = Counter.builder(PREFIX + "events.dropped").description("events not delivered, by reason")
                    .tags("source", source, "reason", "filtered").register(registry);
            tooLarge = Counter.builder(PREFIX + "events.dropped").description("events not delivered, by reason")
                    .tags("source", source, "reason", "rejected").register(registry);
            truncated = counter("events.truncated", "events cut to the maximum event size", source, false);
            split = counter("events.split", "chunks of lines split at the maximum event size", source, false);
            invalidEncoding = counter("events.invalid_encoding", "events with bytes invalid in their encoding (replaced)", source, false);
        }

        private Counter counter(String name, String description, String source, boolean withOutput) {
            Counter.Builder b = Counter.builder(PREFIX + name).description(description).tag("source", source);
            if (withOutput) {
                b.tag("output", output);
            }
            return b.register(registry);
        }

        public double acked() {
            return acked.count();
        }

        public double read() {
            return read.count();
        }
    }
}
