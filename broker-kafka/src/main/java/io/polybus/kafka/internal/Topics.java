package io.polybus.kafka.internal;

import io.polybus.PolybusException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure topics exist before they are used: creates them with the configured partitions, replication
 * and record size limit, or, with {@code create-topics=false}, checks that they exist; then waits until the
 * leader of every partition serves it. Each topic is checked once per broker connection; a failed check is
 * tried again on the next use. Thread-safe.
 */
final class Topics {
    private static final Logger log = LoggerFactory.getLogger(Topics.class);
    private static final long DESCRIBE_RETRY_MILLIS = 50;

    private final Admin admin;
    private final KafkaSettings settings;
    private final Map<String, CompletableFuture<Void>> known = new ConcurrentHashMap<>();
    /** The topic last found ready: a producer sending to one topic skips the map on every send. */
    private volatile String lastReady;

    Topics(Admin admin, KafkaSettings settings) {
        this.admin = admin;
        this.settings = settings;
    }

    /**
     * Returns once {@code topic} exists.
     *
     * @throws PolybusException naming the topic when it is missing and may not be created, or when the
     *                          cluster does not answer within {@code connect-timeout}
     */
    void ensure(String topic) {
        ensure(topic, settings.partitions());
    }

    /**
     * Returns once {@code topic} exists; creates it with {@code partitions} partitions when it does not and may be
     * created.
     *
     * @throws PolybusException as {@link #ensure(String)}
     */
    void ensure(String topic, int partitions) {
        if (topic.equals(lastReady)) {
            return;
        }
        CompletableFuture<Void> f = known.get(topic);
        if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
            lastReady = topic;
            return;
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        f = known.putIfAbsent(topic, mine);
        if (f == null) {
            f = mine;
            try {
                check(topic, partitions);
                mine.complete(null);
            } catch (RuntimeException e) {
                known.remove(topic, mine);
                mine.completeExceptionally(e);
            }
        }
        try {
            f.get(settings.connectTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw Errors.translate(e, settings.servers(), "prepare topic '" + topic + "'");
        }
    }

    /** Forgets that {@code topic} exists, after it was deleted. */
    void forget(String topic) {
        known.remove(topic);
        if (topic.equals(lastReady)) {
            lastReady = null;
        }
    }

    private void check(String topic, int partitions) {
        long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
        try {
            if (settings.createTopics()) {
                create(topic, partitions, deadline);
            }
            awaitLeaders(describe(topic, deadline), deadline);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException && !settings.createTopics()) {
                throw new PolybusException("Kafka topic '" + topic + "' does not exist at " + settings.servers()
                        + " and create-topics is false: create it, or set create-topics=true", e.getCause());
            }
            throw Errors.translate(e, settings.servers(), "prepare topic '" + topic + "'");
        } catch (Exception e) {
            throw Errors.translate(e, settings.servers(), "prepare topic '" + topic + "'");
        }
    }

    private void create(String topic, int partitions, long deadline) throws Exception {
        int rf = settings.replicationFactor();
        NewTopic t = new NewTopic(topic, Optional.of(partitions),
                rf < 0 ? Optional.empty() : Optional.of((short) rf))
                .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(settings.maxRecordBytes())));
        try {
            admin.createTopics(List.of(t)).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            log.info("created Kafka topic '{}' ({} partitions)", topic, partitions);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /**
     * The topic's partitions. A topic just created may be unknown to the broker answering for a moment after the
     * controller accepted it: then this asks again until {@code deadline}.
     */
    private TopicDescription describe(String topic, long deadline) throws Exception {
        while (true) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(remainingMillis(deadline), TimeUnit.MILLISECONDS).get(topic);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || !settings.createTopics()
                        || remainingMillis(deadline) <= DESCRIBE_RETRY_MILLIS) {
                    throw e;
                }
                Thread.sleep(DESCRIBE_RETRY_MILLIS);
            }
        }
    }

    /**
     * Returns once the leader of every partition serves it. The controller accepts a new topic before the brokers
     * took up its partitions; an idempotent producer whose first batch to a partition is refused there
     * (NOT_LEADER_OR_FOLLOWER) while a later batch is taken gets OUT_OF_ORDER_SEQUENCE_NUMBER for the first one until
     * delivery.timeout.ms (KAFKA-14359), which stalls the partition for minutes. A partition's end offset is
     * answered only by its serving leader, and the admin client asks again until it is.
     */
    private void awaitLeaders(TopicDescription description, long deadline) throws Exception {
        Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
        for (TopicPartitionInfo p : description.partitions()) {
            ends.put(new TopicPartition(description.name(), p.partition()), OffsetSpec.latest());
        }
        admin.listOffsets(ends).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    }

    private static long remainingMillis(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }
}
