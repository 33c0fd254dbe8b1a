package io.polybus.agent.internal.hostmetrics;

import io.polybus.events.PipelineHealth;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.Message;
import io.polybus.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Publishes one event per interval with this machine's CPU, memory, load, disk and network figures, in the
 * log event format with {@code source.type: host-metrics}, keyed by host:
 *
 * <pre>{@code
 * {"timestamp": "...", "host": "web-1", "message": "host metrics: cpu 12.5%, memory 43.0%, load 0.52",
 *  "source": {"type": "host-metrics"},
 *  "fields": {"cpu": {"cores": 2, "used_pct": 12.5}, "memory": {"total_bytes": ..., "available_bytes": ..., "used_pct": 43.0},
 *             "load": {"1m": 0.52, "5m": ..., "15m": ...}, "disk": {"/": {"total_bytes": ..., "free_bytes": ..., "used_pct": ...}},
 *             "network": {"rx_bytes": ..., "tx_bytes": ..., "rx_bytes_per_s": ..., "tx_bytes_per_s": ...}}}
 * }</pre>
 *
 * CPU use and network rates appear from the second event on. Sends are asynchronous; a failed send is logged
 * and reported to the {@link PipelineHealth}, never retried (the next interval brings fresh figures).
 * Runs on a thread of its own until closed; does not close the producer.
 */
public final class HostMetricsSource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostMetricsSource.class);

    private final Producer producer;
    private final HostMetricsConfig config;
    private final Clock clock;
    private final PipelineHealth health;
    private final String host;
    private final HostSampler sampler;
    private final ScheduledExecutorService timer;

    private HostMetricsSource(Producer producer, HostMetricsConfig config, Clock clock, PipelineHealth health) {
        this.producer = producer;
        this.config = config;
        this.clock = clock;
        this.health = health;
        this.host = config.host() != null ? config.host() : localHostName();
        this.sampler = new HostSampler(Path.of("/proc"), config.disks());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-host-metrics");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts publishing: the first event now, then one per {@link HostMetricsConfig#interval()}.
     *
     * @param health told whether sends reach the broker; may be null
     */
    public static HostMetricsSource start(Producer producer, HostMetricsConfig config, Clock clock, PipelineHealth health) {
        HostMetricsSource source = new HostMetricsSource(Objects.requireNonNull(producer, "producer"),
                Objects.requireNonNull(config, "config"), Objects.requireNonNull(clock, "clock"), health);
        long period = config.interval().toMillis();
        source.timer.scheduleAtFixedRate(source::publish, 0, period, TimeUnit.MILLISECONDS);
        return source;
    }

    private void publish() {
        try {
            long now = clock.millis();
            ObjectNode fields = sampler.sample(now);
            ObjectNode event = JsonNodeFactory.instance.objectNode();
            event.put("timestamp", Instant.ofEpochMilli(now).toString());
            event.put("host", host);
            event.put("message", "host metrics: cpu " + fields.path("cpu").path("used_pct").asText("n/a") + "%, memory "
                    + fields.path("memory").path("used_pct").asText("n/a") + "%, load " + fields.path("load").path("1m").asText("n/a"));
            event.putObject("source").put("type", "host-metrics");
            event.set("fields", fields);
            if (health != null) {
                health.ackPending();
            }
            producer.send(Message.builder(config.topic()).key(host).timestampMillis(now)
                    .payload(event.toString().getBytes(StandardCharsets.UTF_8)).build())
                    .whenComplete((receipt, error) -> {
                        if (health != null) {
                            health.ackCompleted();
                            if (error == null) {
                                health.brokerReachable();
                            } else {
                                health.brokerUnreachable(error.getClass().getSimpleName());
                            }
                        }
                        if (error != null) {
                            log.warn("host metrics: send to '{}' failed: {}", config.topic(), error.toString());
                        }
                    });
        } catch (RuntimeException e) {
            log.warn("host metrics: sampling or sending failed: {}", e.toString());
        }
    }

    private static String localHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** Stops publishing (sends in flight complete on the producer). Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
