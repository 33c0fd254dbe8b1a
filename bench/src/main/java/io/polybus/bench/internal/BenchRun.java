package io.polybus.bench.internal;

import io.polybus.spi.ConfigDef;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs one workload on one {@link Target} at one rate: subscribes every group, then drives every producer
 * open-loop at its share of the rate (each message has an intended send time on a fixed schedule, so a
 * stalled send makes later messages late instead of hiding the stall), waits until every group has received
 * every acknowledged message (or made no progress for the drain timeout), and checks sequences. With
 * {@link Workload.Phases#SEPARATE} the consumers are closed again once subscribed (so each group exists) and
 * subscribed anew only after every send is acknowledged: they then read everything the producers sent. The
 * producers stop at the first send error then, since no consumer makes room in a broker that is full.
 */
public final class BenchRun {
    private static final Logger LOG = LoggerFactory.getLogger(BenchRun.class);
    private static final long SPIN_BELOW_NANOS = 50_000;
    private static final int FIRST_LOST_SEQUENCE = 10;

    private final Target target;
    private final Workload workload;
    private final long rate;
    private final int round;
    private final Consumer<String> progress;
    private final byte[] template;
    private final byte[][] keys;

    /**
     * @param round    which round of this target and rate it is, from 1
     * @param progress receives a one-line summary every second (elapsed, rates, p99 so far)
     */
    public BenchRun(Target target, Workload workload, long rate, int round, Consumer<String> progress) throws IOException {
        this.target = target;
        this.workload = workload;
        this.rate = rate;
        this.round = round;
        this.progress = progress;
        if (workload.payloadFile() != null) {
            this.template = Files.readAllBytes(workload.payloadFile());
        } else {
            this.template = new byte[workload.messageSize()];
            new Random(42).nextBytes(template);
        }
        this.keys = new byte[workload.keys()][];
        for (int k = 0; k < keys.length; k++) {
            keys[k] = ("key-" + k).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Runs it; never throws: a run that cannot be carried out is a {@link RunResult.Status#FAILED} result. */
    public RunResult run() {
        String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + "-" + target.broker() + "-" + target.client();
        List<String> topics = new ArrayList<>();
        for (int t = 0; t < workload.topics(); t++) {
            topics.add(prefix + "-t" + t);
        }
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < workload.groups(); g++) {
            groups.add(prefix + "-g" + g);
        }
        InetSocketAddress address = Target.POLYBUS.equals(target.client()) ? null
                : BrokerStarter.address(target.broker(), workload.broker(target.broker()));
        String where = address == null ? "" : " at " + address.getHostString() + ":" + address.getPort();
        if (address != null && !BrokerStarter.answers(address)) {
            return failed(target.broker() + " does not answer" + where + " (start it, or run with --start-brokers)", Map.of());
        }
        Driver driver;
        try {
            driver = target.open(workload);
        } catch (Exception | LinkageError e) {
            LOG.debug("cannot open {}", target, e);
            return failed("cannot open " + target + where + ": " + describe(e), Map.of());
        }
        try (driver) {
            Map<String, String> provenance = new LinkedHashMap<>(driver.provenance());
            provenance.put("machine.load-average", String.format(Locale.ROOT, "%.2f at start of run",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
            try {
                return measure(driver, topics, groups, provenance);
            } catch (Exception e) {
                LOG.debug("run on {} failed", target, e);
                return failed(target + where + ": " + describe(e), provenance);
            } finally {
                driver.deleteTopics(topics, groups);
            }
        } catch (RuntimeException e) {
            return failed(describe(e), Map.of());
        }
    }

    private RunResult measure(Driver driver, List<String> topics, List<String> groups, Map<String, String> provenance)
            throws Exception {
        int producers = workload.topics() * workload.producers();
        boolean separate = workload.phases() == Workload.Phases.SEPARATE;
        SequenceChecker checker = new SequenceChecker(workload.groups(), producers, workload.keys());
        List<AutoCloseable> closeables = new ArrayList<>();
        RunMeter meter = new RunMeter(workload.phases());
        AtomicLong sendErrors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        try {
            driver.createTopics(topics, workload.partitions());
            List<AutoCloseable> consumers = subscribe(driver, topics, groups, meter, checker);
            if (separate) {
                closeAll(consumers);
            } else {
                closeables.addAll(consumers);
            }
            List<Driver.Publisher> publishers = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                Driver.Publisher publisher = driver.publisher(topics.get(p / workload.producers()));
                publishers.add(publisher);
                closeables.add(publisher);
            }

            long begin = System.nanoTime();
            long measureStart = begin + workload.warmup().toNanos();
            long measureEnd = workload.messages() > 0 ? Long.MAX_VALUE : measureStart + workload.duration().toNanos();
            AtomicLong toMeasure = new AtomicLong(workload.messages() > 0 ? workload.messages() : Long.MAX_VALUE);
            meter.start(begin, measureStart);
            long intervalNanos = rate == 0 ? 0 : Math.max(1, Math.round(1e9 * producers / rate));

            Thread sampler = new Thread(() -> sampleEverySecond(meter, begin, sampling), "bench-sampler");
            sampler.setDaemon(true);
            sampler.start();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int producer = p;
                Driver.Publisher publisher = publishers.get(p);
                long offset = intervalNanos * p / producers;
                Thread thread = new Thread(() -> produce(producer, publisher, begin + offset, intervalNanos, measureEnd,
                        toMeasure, meter, checker, sendErrors, firstError), "bench-producer-" + p);
                threads.add(thread);
                thread.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (separate) {
                // Each producer flushed before it ended: every send is acknowledged or failed.
                closeables.addAll(subscribe(driver, topics, groups, meter, checker));
                meter.consumersReady(System.nanoTime());
            }
            drain(checker);
            sampling.set(false);
            sampler.interrupt();
            sampler.join(5000);
            meter.finish();

            Histogram[] h = meter.totals();
            long lost = checker.lost();
            double pubSeconds = meter.publishSeconds();
            double publishRate = pubSeconds == 0 ? 0 : meter.measuredAcked() / pubSeconds;
            RunResult.Status status = lost > 0 ? RunResult.Status.LOST
                    : sendErrors.get() > 0 ? RunResult.Status.SEND_ERRORS : RunResult.Status.OK;
            return new RunResult(target.broker(), target.client(), rate, round, workload.phases(), status, firstError.get(),
                    pubSeconds, checker.sent(), sendErrors.get(), meter.received(), publishRate,
                    publishRate * template.length / 1e6, meter.consumeRate(), h[0], h[1], h[2], h[3],
                    lost, checker.duplicated(), checker.reordered(), meter.timeline(), provenance);
        } finally {
            sampling.set(false);
            closeAll(closeables);
        }
    }

    /** Subscribes every consumer of every group to its topic; returns them. */
    private List<AutoCloseable> subscribe(Driver driver, List<String> topics, List<String> groups, RunMeter meter,
                                          SequenceChecker checker) throws Exception {
        List<AutoCloseable> consumers = new ArrayList<>();
        try {
            for (String topic : topics) {
                for (int g = 0; g < groups.size(); g++) {
                    int group = g;
                    for (int c = 0; c < workload.consumersPerGroup(); c++) {
                        consumers.add(driver.subscribe(topic, groups.get(g), c, payload -> {
                            Stamp stamp = Stamp.readFrom(payload);
                            meter.received(stamp);
                            checker.received(group, stamp);
                        }));
                    }
                }
            }
        } catch (Exception e) {
            closeAll(consumers);
            throw e;
        }
        return consumers;
    }

    private static void closeAll(List<AutoCloseable> closeables) {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing {}", c, e);
            }
        }
    }

    private void produce(int producer, Driver.Publisher publisher, long first, long intervalNanos, long measureEnd,
                         AtomicLong toMeasure, RunMeter meter, SequenceChecker checker, AtomicLong sendErrors,
                         AtomicReference<String> firstError) {
        long seq = 0;
        boolean separate = workload.phases() == Workload.Phases.SEPARATE;
        try {
            // With separate phases no consumer makes room in a broker that is full: after a send error, every
            // further send would wait out its timeout too, so the producers stop.
            while (!separate || sendErrors.get() == 0) {
                long intended;
                if (intervalNanos > 0) {
                    intended = first + seq * intervalNanos;
                    long wait = intended - System.nanoTime();
                    if (wait > 0) {
                        publisher.idle();
                        sleepUntil(intended);
                    }
                } else {
                    intended = System.nanoTime();
                }
                if (intended >= measureEnd || (meter.measured(intended) && toMeasure.getAndDecrement() <= 0)) {
                    break;
                }
                long sequence = seq++;
                int key = keys.length == 0 ? 0 : workload.keyDistribution() == Workload.KeyDistribution.RANDOM
                        ? ThreadLocalRandom.current().nextInt(keys.length) : (int) (sequence % keys.length);
                if (producer == 0 && sequence >= FIRST_LOST_SEQUENCE && sequence < FIRST_LOST_SEQUENCE + workload.injectLoss()) {
                    continue;
                }
                byte[] payload = template.clone();
                long sentAt = System.nanoTime();
                new Stamp(producer, sequence, key, intended, sentAt).writeTo(payload);
                Driver.SendCallback done = error -> {
                    if (error == null) {
                        meter.acked(intended, sentAt);
                    } else {
                        checker.failed(producer, sequence);
                        sendErrors.incrementAndGet();
                        firstError.compareAndSet(null, describe(error));
                    }
                };
                try {
                    publisher.send(keys.length == 0 ? null : keys[key], payload, done);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    done.done(e);
                    break;
                } catch (Exception e) {
                    done.done(e);
                }
            }
            publisher.flush();
        } catch (Exception e) {
            firstError.compareAndSet(null, "producer " + producer + ": " + describe(e));
            sendErrors.incrementAndGet();
        } finally {
            checker.sent(producer, seq);
        }
    }

    private static void sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            if (left > SPIN_BELOW_NANOS) {
                LockSupport.parkNanos(left - SPIN_BELOW_NANOS / 2);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private void drain(SequenceChecker checker) throws InterruptedException {
        long expected = checker.expected();
        long last = -1;
        long lastProgress = System.nanoTime();
        while (checker.distinctReceived() < expected) {
            long now = checker.distinctReceived();
            if (now != last) {
                last = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > workload.drainTimeout().toNanos()) {
                LOG.warn("{}: no message arrived for {}; {} of {} deliveries missing", target,
                        ConfigDef.formatDuration(workload.drainTimeout()), expected - now, expected);
                return;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private void sampleEverySecond(RunMeter meter, long begin, AtomicBoolean sampling) {
        try {
            long next = begin;
            while (sampling.get()) {
                next += TimeUnit.SECONDS.toNanos(1);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                if (!sampling.get()) {
                    return;
                }
                RunResult.Sample s = meter.sample();
                long p99 = meter.e2eP99SoFar();
                String phase = System.nanoTime() < meter.measureStartNanos() ? "warm-up"
                        : workload.phases() == Workload.Phases.TOGETHER ? "measure" : meter.consuming() ? "consume" : "publish";
                progress.accept(String.format("%s @ %s: %5.0fs %s  acked %,9.0f/s  received %,9.0f/s  e2e p99 %s",
                        target, rate == 0 ? "max" : String.format("%,d/s", rate), s.second(), phase,
                        s.publishRate(), s.consumeRate(), p99 < 0 ? "-" : String.format("%.2f ms", p99 / 1000.0)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private RunResult failed(String error, Map<String, String> provenance) {
        Histogram empty = new Histogram(3);
        return new RunResult(target.broker(), target.client(), rate, round, workload.phases(), RunResult.Status.FAILED, error,
                0, 0, 0, 0, 0, 0, 0,
                empty, empty, empty, empty, 0, 0, 0, List.of(), provenance);
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
