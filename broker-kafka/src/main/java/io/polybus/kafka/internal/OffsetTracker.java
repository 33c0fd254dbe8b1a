package io.polybus.kafka.internal;

import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The deliveries of one assigned partition that are not yet settled, in offset order, and the offset up to
 * which everything is settled. Kafka can only commit a position, so an ack that arrives out of order is held
 * back until every delivery before it is settled too: {@link #commitPosition()} is always the offset after
 * the longest settled prefix. Thread-safe: the poll thread adds and commits, handler threads settle.
 */
final class OffsetTracker {
    final TopicPartition partition;
    private final ArrayDeque<KafkaAcknowledgement> unsettled = new ArrayDeque<>();
    /** The offset after the settled prefix, or -1 while nothing was settled since assignment. */
    private long position = -1;
    private long committed = -1;
    private volatile boolean revoked;

    OffsetTracker(TopicPartition partition) {
        this.partition = partition;
    }

    /** Tracks the deliveries of one fetched run of the partition, in offset order. */
    synchronized void addAll(List<KafkaAcknowledgement> deliveries) {
        unsettled.addAll(deliveries);
    }

    /** Marks {@code delivery} settled and moves the position past every settled delivery at the head. */
    synchronized void settled(KafkaAcknowledgement delivery) {
        if (revoked) {
            return;
        }
        delivery.done = true;
        KafkaAcknowledgement head;
        while ((head = unsettled.peekFirst()) != null && head.done) {
            unsettled.pollFirst();
            position = head.offset + 1;
        }
    }

    /** The position to commit when it moved since the last call, otherwise -1. */
    synchronized long takeCommit() {
        if (position > committed) {
            committed = position;
            return position;
        }
        return -1;
    }

    /** Forgets a commit that failed, so that the next {@link #takeCommit} offers the position again. */
    synchronized void commitFailed(long offset) {
        if (committed == offset) {
            committed = -1;
        }
    }

    synchronized long commitPosition() {
        return position;
    }

    /**
     * Stops tracking: the partition went to another member or the consumer closes. Later settlements are
     * ignored here; the returned deliveries are the ones not yet settled.
     */
    synchronized List<KafkaAcknowledgement> revoke() {
        revoked = true;
        List<KafkaAcknowledgement> left = new ArrayList<>();
        for (KafkaAcknowledgement a : unsettled) {
            if (!a.done) {
                left.add(a);
            }
        }
        return left;
    }

    boolean isRevoked() {
        return revoked;
    }
}
