package io.polybus.agent.internal;

import com.google.inject.Inject;
import io.polybus.Broker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running agent: a thread per source, the shipper, and a timer that saves checkpoints. Built by Guice
 * from {@link AgentModule}.
 */
public final class AgentRuntime {
    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);

    private final Settings settings;
    private final Broker broker;
    private final Shipper shipper;
    private final CheckpointStore checkpoints;
    private final AgentMetrics metrics;
    private final List<Thread> threads = new ArrayList<>();
    private final List<FileSource> fileSources = new ArrayList<>();
    private final List<SyslogSource> syslogSources = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private ScheduledExecutorService timer;
    private Lifecycle lifecycle;
    private boolean acknowledgedAll = true;

    /**
     * Guice provides the parameters in order: the broker is opened before the data directory is locked, so a
     * broker that cannot be reached leaves nothing locked behind and {@code polybus agent} can retry.
     */
    @Inject
    AgentRuntime(Settings settings, Broker broker, CheckpointStore checkpoints, Shipper shipper, AgentMetrics metrics) {
        this.settings = settings;
        this.broker = broker;
        this.shipper = shipper;
        this.checkpoints = checkpoints;
        this.metrics = metrics;
    }

    public Settings settings() {
        return settings;
    }

    public Broker broker() {
        return broker;
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    public long inFlightBytes() {
        return shipper.inFlightBytes();
    }

    /**
     * Starts a thread per source. {@code once}: sources end at the end of their input (a syslog source has none).
     *
     * @throws IllegalStateException when a syslog source cannot listen on its address (nothing is started then)
     */
    public void start(boolean once, InputStream stdin) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("agent already started");
        }
        lifecycle = new Lifecycle(once, settings.sources().size());
        for (Settings.Source s : settings.sources()) {
            Settings.Source parsed = s.type().equals("syslog") ? SyslogSource.withParser(s, metrics) : s;
            Pipeline pipeline = new Pipeline(parsed, settings.host(), settings.delivery(), shipper, metrics.source(s.name()), lifecycle::stopping);
            Runnable r;
            if (s.type().equals("stdin")) {
                r = new StdinSource(s, pipeline, settings.delivery().batchEvents(), lifecycle, stdin);
            } else if (s.type().equals("syslog")) {
                SyslogSource l = new SyslogSource(s, pipeline, metrics, settings.delivery().batchEvents(), lifecycle);
                syslogSources.add(l);
                r = l;
            } else {
                FileSource f = new FileSource(s, pipeline, checkpoints, metrics, settings.delivery().batchEvents(), lifecycle);
                fileSources.add(f);
                r = f;
            }
            Thread t = new Thread(r, "polybus-source-" + s.name());
            t.setDaemon(s.type().equals("stdin"));
            threads.add(t);
        }
        try {
            syslogSources.forEach(SyslogSource::bind);
        } catch (IllegalStateException e) {
            syslogSources.forEach(SyslogSource::close);
            lifecycle = null;
            throw e;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-checkpoints");
            t.setDaemon(true);
            return t;
        });
        long every = settings.checkpointInterval().toMillis();
        timer.scheduleWithFixedDelay(checkpoints::save, every, every, TimeUnit.MILLISECONDS);
        threads.forEach(Thread::start);
        log.info("agent started: {} source(s) to broker '{}' (host {})", settings.sources().size(), broker.type(), settings.host());
    }

    /** Waits until every source ended (in once mode, or stdin at its end); false when {@code timeout} passed. */
    public boolean awaitSources(Duration timeout) throws InterruptedException {
        return lifecycle.awaitSources(timeout.toMillis());
    }

    /**
     * Stops reading, waits (up to {@code delivery.shutdown-timeout}) until the broker acknowledged what was sent,
     * saves the checkpoints and closes everything. Idempotent.
     *
     * @return true when every event sent was acknowledged before the timeout
     */
    public boolean stop(Runnable beforeClose) {
        if (!stopped.compareAndSet(false, true)) {
            return acknowledgedAll;
        }
        if (lifecycle != null) {
            lifecycle.stop();
            fileSources.forEach(FileSource::wake);
            syslogSources.forEach(SyslogSource::wake);
            for (Thread t : threads) {
                if (!t.isDaemon()) {
                    try {
                        t.join(settings.delivery().shutdownTimeout().toMillis() + 1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            Duration timeout = settings.delivery().shutdownTimeout();
            acknowledgedAll = shipper.awaitAcknowledged(timeout);
            if (!acknowledgedAll) {
                log.warn("{} bytes of events were not acknowledged within {}; they are sent again after the restart",
                        shipper.inFlightBytes(), timeout);
            }
            timer.shutdown();
            try {
                // Let a checkpoint being written finish: interrupting it would close its file channel.
                timer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        beforeClose.run();
        checkpoints.close();
        shipper.close();
        broker.close();
        log.info("agent stopped");
        return acknowledgedAll;
    }
}
