package io.polybus.agent.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.Broker;
import io.polybus.agent.Source;
import io.polybus.agent.SourceContext;
import io.polybus.agent.SourceProvider;
import io.polybus.events.ComponentContext;
import io.polybus.events.ComponentSpec;
import io.polybus.events.ProcessorProvider;
import io.polybus.events.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running agent: a thread per source, the shipper, and a timer that saves checkpoints. Thread-safe:
 * {@link #stop} may be called from any thread.
 */
public final class AgentRuntime {
    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);
    /** How often the checkpoint timer looks whether a save is due (by time, by bytes, or the first one). */
    private static final long CHECKPOINT_TICK_MILLIS = 50;

    private final AgentSettings settings;
    private final Broker broker;
    private final Shipper shipper;
    private final CheckpointStore checkpoints;
    private final AgentMetrics metrics;
    private final MeterRegistry registry;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Source> sources = new ArrayList<>();
    /** Per source, its disk buffer ({@code buffer: disk}) or null. */
    private final List<DiskBuffer> buffers = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private ScheduledExecutorService timer;
    private Lifecycle lifecycle;
    private boolean acknowledgedAll = true;

    /** The parts of a running agent, each already open; {@link #stop} closes all but the broker. */
    public AgentRuntime(AgentSettings settings, Broker broker, CheckpointStore checkpoints, Shipper shipper,
                        AgentMetrics metrics, MeterRegistry registry) {
        this.settings = settings;
        this.broker = broker;
        this.shipper = shipper;
        this.checkpoints = checkpoints;
        this.metrics = metrics;
        this.registry = registry;
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    public long inFlightBytes() {
        return shipper.inFlightBytes();
    }

    /**
     * Creates and opens every source, then starts a thread per source. {@code once}: sources end at the end of
     * their input (a listener has none).
     *
     * @throws IllegalStateException when a source cannot open (a syslog source cannot listen on its address):
     *                               nothing is started then, and what was opened is closed
     */
    public void start(boolean once, InputStream stdin) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("agent already started");
        }
        lifecycle = new Lifecycle(once, settings.sources().size());
        List<SourcePipeline> pipelines = new ArrayList<>();
        List<SourceContext> contexts = new ArrayList<>();
        try {
            for (AgentSettings.SourceSpec spec : settings.sources()) {
                ComponentContext context = new ComponentContext(spec.name(), settings.host(), broker, Clock.systemUTC(),
                        settings.dataDir());
                Source source = spec.spec().create(context);
                sources.add(source);
                List<Processor> chain = new ArrayList<>();
                if (source.firstProcessor() != null) {
                    chain.add(source.firstProcessor());
                }
                chain.addAll(processors(spec.processors(), context));
                bind(source);
                chain.forEach(this::bind);
                LineSettings lines = lineSettings(spec.spec());
                SourcePipeline pipeline = new SourcePipeline(spec.name(), spec.type(), settings.host(), lines.charset(),
                        spec.topic(), spec.key(), chain, lines.maxEventBytes(), settings.delivery(), shipper, metrics,
                        checkpoints, lifecycle, stdin);
                BufferSettings buffer = BufferSettings.of(spec.spec().config());
                DiskBuffer disk = buffer != null && buffer.disk()
                        ? DiskBuffer.open(settings.dataDir().resolve("buffers").resolve(spec.name()), buffer.maxBytes()) : null;
                buffers.add(disk);
                SourceContext sourceContext = disk == null ? pipeline : new BufferingContext(pipeline, disk);
                source.open(sourceContext);
                pipelines.add(pipeline);
                contexts.add(sourceContext);
            }
        } catch (RuntimeException e) {
            sources.forEach(Source::close);
            closeBuffers();
            lifecycle = null;
            throw e;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-checkpoints");
            t.setDaemon(true);
            return t;
        });
        long every = settings.checkpointInterval().toMillis();
        long tick = Math.min(every, CHECKPOINT_TICK_MILLIS);
        long maxUnsaved = settings.checkpointMaxUnsaved();
        timer.scheduleWithFixedDelay(() -> checkpoints.saveIfDue(every, maxUnsaved), tick, tick, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::saveBuffers, tick, tick, TimeUnit.MILLISECONDS);
        for (int i = 0; i < sources.size(); i++) {
            Source source = sources.get(i);
            SourcePipeline pipeline = pipelines.get(i);
            SourceContext context = contexts.get(i);
            threads.add(new Thread(() -> run(source, pipeline, context), "polybus-source-" + pipeline.name()));
        }
        threads.forEach(Thread::start);
        log.info("agent started: {} source(s) to broker '{}' (host {})", sources.size(), broker.type(), settings.host());
    }

    private void run(Source source, SourcePipeline pipeline, SourceContext context) {
        try {
            if (context instanceof BufferingContext buffering) {
                buffering.run(source);
            } else {
                source.run(pipeline);
            }
        } catch (RuntimeException e) {
            log.error("source '{}' failed; it stops reading", pipeline.name(), e);
        } finally {
            source.close();
            lifecycle.sourceFinished();
        }
    }

    private void saveBuffers() {
        for (DiskBuffer b : buffers) {
            if (b != null) {
                b.save();
            }
        }
    }

    private void closeBuffers() {
        for (DiskBuffer b : buffers) {
            if (b != null) {
                b.close();
            }
        }
    }

    private static List<Processor> processors(List<ComponentSpec<ProcessorProvider>> specs, ComponentContext context) {
        List<Processor> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            out.add(specs.get(i).create(context.named(context.name() + ".processors[" + i + "]")));
        }
        return out;
    }

    /** A source's line settings when it has them (file, stdin, syslog); generated events are UTF-8. */
    private static LineSettings lineSettings(ComponentSpec<SourceProvider> spec) {
        return spec.config().has("encoding") ? LineSettings.of(spec.config())
                : new LineSettings(StandardCharsets.UTF_8, Integer.MAX_VALUE, false, null);
    }

    private void bind(Object component) {
        if (component instanceof MeterBinder binder) {
            binder.bindTo(registry);
        }
    }

    /** Waits until every source ended (in once mode, or stdin at its end); false when {@code timeout} passed. */
    public boolean awaitSources(Duration timeout) throws InterruptedException {
        return lifecycle.awaitSources(timeout.toMillis());
    }

    /**
     * Stops reading, waits (up to {@code delivery.shutdown-timeout}) until the broker acknowledged what was sent,
     * saves the checkpoints and closes everything but the broker. Idempotent.
     *
     * @return true when every event sent was acknowledged before the timeout, and the broker refused none for good
     */
    public boolean stop() {
        if (!stopped.compareAndSet(false, true)) {
            return acknowledgedAll;
        }
        if (lifecycle != null) {
            lifecycle.stop();
            sources.forEach(Source::wake);
            long joinMillis = settings.delivery().shutdownTimeout().toMillis() + 1000;
            for (Thread t : threads) {
                try {
                    t.join(joinMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Duration timeout = settings.delivery().shutdownTimeout();
            acknowledgedAll = shipper.awaitAcknowledged(timeout);
            if (!acknowledgedAll) {
                log.warn("{} bytes of events were not acknowledged within {}; they are sent again after the restart",
                        shipper.inFlightBytes(), timeout);
            }
            long refused = shipper.refusedEvents();
            if (refused > 0) {
                log.error("broker '{}' refused {} event(s) as too large; they were dropped, not delivered",
                        broker.type(), refused);
                acknowledgedAll = false;
            }
            timer.shutdown();
            try {
                // Let a checkpoint being written finish: interrupting it would close its file channel.
                timer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeBuffers();
        }
        checkpoints.close();
        shipper.close();
        log.info("agent stopped");
        return acknowledgedAll;
    }
}
