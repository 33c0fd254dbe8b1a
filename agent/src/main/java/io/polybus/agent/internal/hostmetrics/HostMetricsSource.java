package io.polybus.agent.internal.hostmetrics;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.agent.InputProgress;
import io.polybus.agent.Outcome;
import io.polybus.agent.Source;
import io.polybus.agent.SourceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code host-metrics} source: one event per interval with this machine's CPU, memory, load, disk and network
 * figures, through the source's processors and the shipper like any other event:
 *
 * <pre>{@code
 * {"timestamp": "...", "host": "web-1", "message": "host metrics: cpu 12.5%, memory 43.0%, load 0.52",
 *  "source": {"type": "host-metrics", "name": "host"},
 *  "fields": {"cpu": {"cores": 2, "used_pct": 12.5}, "memory": {"total_bytes": ..., "available_bytes": ..., "used_pct": 43.0},
 *             "load": {"1m": 0.52, "5m": ..., "15m": ...}, "disk": {"/": {"total_bytes": ..., "free_bytes": ..., "used_pct": ...}},
 *             "network": {"rx_bytes": ..., "tx_bytes": ..., "rx_bytes_per_s": ..., "tx_bytes_per_s": ...}}}
 * }</pre>
 *
 * CPU use and network rates appear from the second event on. With {@code --once} it sends one sample and ends.
 */
final class HostMetricsSource implements Source {
    private static final Logger log = LoggerFactory.getLogger(HostMetricsSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> FIELDS = new TypeReference<>() {
    };

    private final String name;
    private final Duration interval;
    private final HostSampler sampler;
    private final Clock clock;
    private volatile Thread thread;

    HostMetricsSource(String name, Duration interval, List<String> disks, Path proc, Clock clock) {
        this.name = name;
        this.interval = interval;
        this.sampler = new HostSampler(proc, disks);
        this.clock = clock;
    }

    @Override
    public void run(SourceContext context) {
        thread = Thread.currentThread();
        InputProgress progress = context.newInput(0);
        long sample = 0;
        try {
            long next = System.nanoTime();
            while (!context.stopping()) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                    continue;
                }
                next += interval.toNanos();
                if (emit(context, progress, ++sample) == Outcome.STOPPED || !context.flush() || context.once()) {
                    break;
                }
                progress.seal();
            }
        } finally {
            context.flush();
            progress.seal();
        }
    }

    private Outcome emit(SourceContext context, InputProgress progress, long sample) {
        long now = clock.millis();
        ObjectNode fields;
        try {
            fields = sampler.sample(now);
        } catch (RuntimeException e) {
            log.warn("source '{}': sampling this host failed: {}", name, e.toString());
            return Outcome.FILTERED;
        }
        String message = "host metrics: cpu " + fields.path("cpu").path("used_pct").asText("n/a") + "%, memory "
                + fields.path("memory").path("used_pct").asText("n/a") + "%, load " + fields.path("load").path("1m").asText("n/a");
        return context.emit(message, now, JSON.convertValue(fields, FIELDS), progress, sample);
    }

    @Override
    public void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
