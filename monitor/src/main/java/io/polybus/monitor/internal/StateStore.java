package io.polybus.monitor.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A monitor's rules' state kept in a {@link StateFile}: read back into the engine when made, written by
 * {@link #save()}. Neither ever throws: a snapshot that cannot be read or written is logged and counted, and the
 * monitor goes on (empty, or with the previous snapshot). Thread-safe ({@link #save()} is serialized).
 *
 * <p>As a {@link MeterBinder}: {@code polybus.monitor.state.snapshots} and {@code polybus.monitor.state.failures}
 * by {@code operation} (read, write).
 */
public final class StateStore implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(StateStore.class);

    private final StateFile file;
    private final RuleEngine engine;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong readFailures = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();

    /** Reads the snapshot {@code name} of {@code dir}, if any, into {@code engine}. */
    public StateStore(Path dir, String name, RuleEngine engine, long nowMillis) {
        this.file = new StateFile(dir, name);
        this.engine = engine;
        try {
            file.read().ifPresent(saved -> {
                List<String> rules = engine.restore(saved, nowMillis);
                log.info("monitor: state of {} rules read from {}: {}", rules.size(), file.path(), rules);
            });
        } catch (IOException | RuntimeException e) {
            readFailures.incrementAndGet();
            log.error("monitor: cannot read the state snapshot {}; starting with empty windows: {}", file.path(),
                    e.getMessage());
        }
    }

    /** Writes the engine's state now. */
    public synchronized void save() {
        try {
            file.write(engine.snapshot());
            written.incrementAndGet();
        } catch (IOException | UncheckedIOException e) {
            writeFailures.incrementAndGet();
            log.error("monitor: cannot write the state snapshot {}: {}", file.path(), e.getMessage());
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("polybus.monitor.state.snapshots", written, AtomicLong::get)
                .description("State snapshots written to state-dir").register(registry);
        failures(registry, "read", readFailures);
        failures(registry, "write", writeFailures);
    }

    private static void failures(MeterRegistry registry, String operation, AtomicLong count) {
        FunctionCounter.builder("polybus.monitor.state.failures", count, AtomicLong::get).tag("operation", operation)
                .description("State snapshots that could not be read (the monitor started empty) or written")
                .register(registry);
    }
}
