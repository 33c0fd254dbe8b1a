package io.polybus.kafka.internal;

import io.polybus.BrokerUnavailableException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.PolybusException;
import io.polybus.StartPosition;
import io.polybus.spi.DeliveryCounters;
import io.polybus.spi.OrderedWorkers;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * One member of a consumer group. A poll thread owns the KafkaConsumer: it fetches, hands records to the
 * handler lanes ({@link OrderedWorkers}, one lane per partition, so a partition's records are handled one at a
 * time in offset order), commits the settled prefix of each partition, and takes part in rebalances. Records
 * beyond the prefetch wait in the poll thread with every partition paused, so memory stays bounded.
 *
 * <p>The group reads the topic, its own retry topic {@code <topic>.retry.<group>}, where requeued messages
 * are re-published, and its delay topic {@code <topic>.delay.<group>}, where messages requeued with a delay are:
 * a partition of the delay topic whose next record is not due yet is paused, and its position put back on that
 * record, until it is due, while every other partition keeps flowing. Partitions the group has no position for
 * yet get one when first assigned (the start position for the topic, the beginning for the retry and delay
 * topics), committed at once, so the group exists from {@link #start()} on. An ephemeral group's offsets, retry
 * and delay topics are deleted at close.
 */
final class KafkaMessageConsumer implements Consumer, ConsumerRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(KafkaMessageConsumer.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_POLL_RECORDS = 500;
    private static final Pattern ILLEGAL_TOPIC_CHARS = Pattern.compile("[^a-zA-Z0-9._-]");

    final ConsumerOptions options;
    final DeliveryCounters counters;
    final String retryTopic;
    final String delayTopic;
    private final KafkaBroker broker;
    private final KafkaSettings settings;
    private final DeliveryHandler handler;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final OrderedWorkers workers;
    private final Semaphore permits;
    private final long commitIntervalNanos;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Thread poller;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile long closeDeadline;
    /** The partitions of the delay topic, one per tier of delays; known from {@link #start()} on. */
    private volatile int delayTiers = 1;

    /** Poll thread only. */
    private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
    /** Fetched records waiting for prefetch room. Poll thread only. */
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new ArrayDeque<>();
    /** Delay-topic partitions paused until their next record is due (milliseconds since the epoch). Poll thread only. */
    private final Map<TopicPartition, Long> waiting = new HashMap<>();
    private long nextCommit;

    KafkaMessageConsumer(KafkaBroker broker, ConsumerOptions options, DeliveryHandler handler, DeliveryCounters counters) {
        this.broker = broker;
        this.settings = broker.settings();
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.retryTopic = groupTopic(options.topic(), "retry", options.group());
        this.delayTopic = groupTopic(options.topic(), "delay", options.group());
        this.permits = new Semaphore(options.prefetch());
        this.commitIntervalNanos = settings.commitInterval().toNanos();
        this.consumer = new KafkaConsumer<>(settings.consumer(options.group(),
                options.startFrom() == StartPosition.EARLIEST, Math.min(options.prefetch(), MAX_POLL_RECORDS)));
        String name = "polybus-kafka-" + options.topic() + "-" + options.group();
        this.workers = new OrderedWorkers(name + "-handler", options.concurrency());
        this.poller = new Thread(this::run, name + "-poll");
        this.poller.setDaemon(true);
    }

    /**
     * The topic where {@code group} re-publishes requeued messages of {@code topic}: {@code <topic>.<kind>.<group>},
     * kind {@code retry} or, for requeues with a delay, {@code delay}.
     */
    static String groupTopic(String topic, String kind, String group) {
        String name = topic + "." + kind + "." + ILLEGAL_TOPIC_CHARS.matcher(group).replaceAll("_");
        if (name.length() > 249) {
            name = name.substring(0, 240) + "." + Integer.toHexString(name.hashCode());
        }
        return name;
    }

    /**
     * Joins the group and returns once it has its partitions and start positions.
     *
     * @throws BrokerUnavailableException when that does not happen within {@code subscribe-timeout}
     */
    void start() {
        try {
            broker.topics().ensure(options.topic());
            broker.topics().ensure(retryTopic);
            broker.topics().ensure(delayTopic, Records.DELAY_TIERS);
            delayTiers = consumer.partitionsFor(delayTopic, settings.connectTimeout()).size();
        } catch (KafkaException e) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            workers.shutdown(Duration.ZERO);
            throw Errors.translate(e, settings.servers(), "prepare topic '" + delayTopic + "'");
        } catch (PolybusException e) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            workers.shutdown(Duration.ZERO);
            throw e;
        }
        poller.start();
        Duration timeout = settings.subscribeTimeout();
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            close();
            throw new BrokerUnavailableException("group '" + options.group() + "' on topic '" + options.topic()
                    + "' got no partition assignment from Kafka at " + settings.servers() + " within "
                    + timeout.toMillis() + " ms (subscribe-timeout)");
        } catch (ExecutionException e) {
            close();
            throw Errors.translate(e.getCause(), settings.servers(), "subscribe group '" + options.group()
                    + "' to topic '" + options.topic() + "'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new PolybusException("interrupted while subscribing", e);
        }
    }

    @Override
    public String topic() {
        return options.topic();
    }

    @Override
    public String group() {
        return options.group();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(options.topic(), retryTopic, delayTopic), this);
            while (running) {
                try {
                    pollOnce();
                } catch (InterruptException e) {
                    break;
                } catch (KafkaException e) {
                    if (!ready.isDone()) {
                        throw e;
                    }
                    log.warn("consumer of group '{}' on topic '{}' failed to poll Kafka at {}; retrying",
                            options.group(), options.topic(), settings.servers(), e);
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                }
            }
        } catch (RuntimeException e) {
            if (!ready.completeExceptionally(e)) {
                log.error("consumer of group '{}' on topic '{}' stopped", options.group(), options.topic(), e);
            }
        } finally {
            shutdown();
        }
    }

    private void pollOnce() {
        dispatch();
        if (!waiting.isEmpty()) {
            long now = System.currentTimeMillis();
            waiting.values().removeIf(due -> due <= now);
        }
        if (!pending.isEmpty()) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            Set<TopicPartition> resume = new HashSet<>(consumer.paused());
            resume.removeAll(waiting.keySet());
            consumer.resume(resume);
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(pending.isEmpty() ? POLL_TIMEOUT : Duration.ZERO);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (!heldBack(r)) {
                pending.addLast(r);
            }
        }
        dispatch();
        commitIfDue();
        if (!pending.isEmpty() && permits.availablePermits() == 0) {
            awaitPermit();
        }
    }

    /**
     * Whether {@code r} is a record of the delay topic that is not due yet, or behind one: then its partition is
     * paused and put back on the first such record, to be read again once that is due.
     */
    private boolean heldBack(ConsumerRecord<byte[], byte[]> r) {
        if (!r.topic().equals(delayTopic)) {
            return false;
        }
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (waiting.containsKey(tp)) {
            return true;
        }
        long due = Records.due(r);
        if (due <= System.currentTimeMillis()) {
            return false;
        }
        waiting.put(tp, due);
        consumer.pause(List.of(tp));
        consumer.seek(tp, r.offset());
        return true;
    }

    /** Whether {@code record} is a retry copy (of the retry or the delay topic), which says its attempt. */
    boolean isRetry(ConsumerRecord<byte[], byte[]> record) {
        return record.topic().equals(retryTopic) || record.topic().equals(delayTopic);
    }

    /** The partitions of the delay topic, one per tier of delays. */
    int delayTiers() {
        return delayTiers;
    }

    /** Hands pending records to the handler lanes, as far as the prefetch allows. */
    private void dispatch() {
        if (pending.isEmpty()) {
            return;
        }
        int n = permits.drainPermits();
        if (n == 0) {
            return;
        }
        if (n > pending.size()) {
            permits.release(n - pending.size());
            n = pending.size();
        }
        OffsetTracker tracker = null;
        List<KafkaAcknowledgement> batch = null;
        for (int i = 0; i < n; i++) {
            ConsumerRecord<byte[], byte[]> r = pending.pollFirst();
            if (tracker == null || r.partition() != tracker.partition.partition()
                    || !r.topic().equals(tracker.partition.topic())) {
                submit(tracker, batch);
                batch = new ArrayList<>();
                tracker = trackers.get(new TopicPartition(r.topic(), r.partition()));
                if (tracker == null) {
                    permits.release();
                    continue;
                }
            }
            batch.add(new KafkaAcknowledgement(r, tracker, this));
        }
        submit(tracker, batch);
    }

    private void submit(OffsetTracker tracker, List<KafkaAcknowledgement> batch) {
        if (tracker != null && batch != null && !batch.isEmpty()) {
            tracker.addAll(batch);
            workers.execute(tracker.partition.hashCode(), () -> deliver(batch, tracker));
        }
    }

    private void deliver(List<KafkaAcknowledgement> batch, OffsetTracker tracker) {
        for (KafkaAcknowledgement ack : batch) {
            if (!running || tracker.isRevoked()) {
                if (ack.abandon()) {
                    released();
                }
                continue;
            }
            try {
                handler.handle(new Delivery(Records.toMessage(ack.record, options.topic()), ack.attempt(), ack));
            } catch (Exception e) {
                log.error("handler of group '{}' on topic '{}' failed; the delivery stays unsettled", options.group(),
                        options.topic(), e);
            }
        }
    }

    /** A delivery was settled or taken back: there is room for one more. */
    void released() {
        permits.release();
    }

    private void awaitPermit() {
        try {
            if (permits.tryAcquire(20, TimeUnit.MILLISECONDS)) {
                permits.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void commitIfDue() {
        long now = System.nanoTime();
        if (now - nextCommit < 0) {
            return;
        }
        nextCommit = now + commitIntervalNanos;
        Map<TopicPartition, OffsetAndMetadata> due = new HashMap<>();
        for (OffsetTracker t : trackers.values()) {
            long position = t.takeCommit();
            if (position >= 0) {
                due.put(t.partition, new OffsetAndMetadata(position));
            }
        }
        if (!due.isEmpty()) {
            consumer.commitAsync(due, (offsets, e) -> {
                if (e != null) {
                    log.debug("commit of group '{}' failed, will retry: {}", options.group(), e.toString());
                    offsets.forEach((tp, o) -> {
                        OffsetTracker t = trackers.get(tp);
                        if (t != null) {
                            t.commitFailed(o.offset());
                        }
                    });
                }
            });
        }
    }

    /** Commits the settled prefix of {@code partitions} before they leave this member. */
    private void commitNow(Collection<OffsetTracker> partitions, String when) {
        Map<TopicPartition, OffsetAndMetadata> due = new HashMap<>();
        for (OffsetTracker t : partitions) {
            long position = t.commitPosition();
            if (position >= 0) {
                due.put(t.partition, new OffsetAndMetadata(position));
            }
        }
        if (due.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(due, COMMIT_TIMEOUT);
        } catch (KafkaException e) {
            log.warn("group '{}' could not commit {} {}; settled messages after the last commit will be delivered again",
                    options.group(), due, when, e);
        }
    }

    /** Stops tracking {@code partitions}: their unsettled deliveries are abandoned, to be redelivered. */
    private List<OffsetTracker> release(Collection<TopicPartition> partitions) {
        List<OffsetTracker> gone = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            OffsetTracker t = trackers.remove(tp);
            if (t != null) {
                for (KafkaAcknowledgement ack : t.revoke()) {
                    if (ack.abandon()) {
                        released();
                    }
                }
                gone.add(t);
            }
        }
        waiting.keySet().removeAll(partitions);
        if (!gone.isEmpty()) {
            pending.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
        }
        return gone;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        commitNow(release(partitions), "on rebalance");
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        release(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions), COMMIT_TIMEOUT);
            List<TopicPartition> fromStart = new ArrayList<>();
            List<TopicPartition> fromEnd = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                trackers.put(tp, new OffsetTracker(tp));
                if (committed.get(tp) == null) {
                    boolean earliest = tp.topic().equals(retryTopic) || tp.topic().equals(delayTopic)
                            || options.startFrom() == StartPosition.EARLIEST;
                    (earliest ? fromStart : fromEnd).add(tp);
                }
            }
            // An empty collection would mean every assigned partition.
            if (!fromStart.isEmpty()) {
                consumer.seekToBeginning(fromStart);
            }
            if (!fromEnd.isEmpty()) {
                consumer.seekToEnd(fromEnd);
            }
            Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
            for (TopicPartition tp : fromStart) {
                start.put(tp, new OffsetAndMetadata(consumer.position(tp, COMMIT_TIMEOUT)));
            }
            for (TopicPartition tp : fromEnd) {
                start.put(tp, new OffsetAndMetadata(consumer.position(tp, COMMIT_TIMEOUT)));
            }
            if (!start.isEmpty()) {
                consumer.commitSync(start, COMMIT_TIMEOUT);
                log.debug("group '{}' starts {} at {}", options.group(), options.topic(), start);
            }
        }
        ready.complete(null);
    }

    /**
     * Publishes a retry copy or dead letter of {@code original}, then runs {@code settled}. When Kafka does
     * not take the copy, the original stays unsettled and is delivered again after the next rebalance or
     * restart.
     */
    void republish(ProducerRecord<byte[], byte[]> copy, String what, ConsumerRecord<byte[], byte[]> original,
                   Runnable settled) {
        try {
            broker.topics().ensure(copy.topic());
            broker.republisher().send(copy, (metadata, e) -> {
                if (e == null) {
                    settled.run();
                } else {
                    failedRepublish(what, copy, original, e);
                }
            });
        } catch (RuntimeException e) {
            failedRepublish(what, copy, original, e);
        }
    }

    private void failedRepublish(String what, ProducerRecord<byte[], byte[]> copy, ConsumerRecord<byte[], byte[]> original,
                                 Exception e) {
        log.error("group '{}' could not {} the message at {}-{}@{} to topic '{}'; it stays uncommitted and will be "
                        + "delivered again", options.group(), what, original.topic(), original.partition(), original.offset(),
                copy.topic(), e);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeDeadline = System.nanoTime() + options.closeTimeout().toNanos();
        running = false;
        if (Thread.currentThread() != poller && poller.isAlive()) {
            try {
                poller.join(options.closeTimeout().toMillis() + 2 * COMMIT_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** On the poll thread: lets running handlers finish, commits what they settled, leaves the group. */
    private void shutdown() {
        running = false;
        long deadline = closed.get() ? closeDeadline : System.nanoTime();
        workers.shutdown(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        List<OffsetTracker> all = release(new ArrayList<>(trackers.keySet()));
        pending.clear();
        commitNow(all, "on close");
        try {
            consumer.close(CloseOptions.timeout(COMMIT_TIMEOUT));
        } catch (KafkaException e) {
            log.warn("closing the Kafka consumer of group '{}' failed", options.group(), e);
        }
        if (options.ephemeral()) {
            broker.deleteGroup(options.group(), List.of(retryTopic, delayTopic));
        }
    }
}
