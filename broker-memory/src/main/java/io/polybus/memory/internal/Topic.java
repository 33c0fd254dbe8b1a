package io.polybus.memory.internal;

import io.polybus.Backpressure;
import io.polybus.BufferFullException;
import io.polybus.Message;

import java.util.Arrays;

/** A topic: its groups, each getting every message published after it was created. */
final class Topic {
    private static final Group[] NONE = new Group[0];

    final String name;
    private final int partitions;
    private final long maxGroupBytes;
    private volatile Group[] groups = NONE;
    private int roundRobin;

    Topic(String name, int partitions, long maxGroupBytes) {
        this.name = name;
        this.partitions = partitions;
        this.maxGroupBytes = maxGroupBytes;
    }

    synchronized Group group(String group) {
        for (Group g : groups) {
            if (g.name.equals(group)) {
                return g;
            }
        }
        Group created = new Group(this.name, group, partitions, maxGroupBytes);
        Group[] grown = Arrays.copyOf(groups, groups.length + 1);
        grown[groups.length] = created;
        groups = grown;
        return created;
    }

    /** Removes {@code group}: it gets no more messages, and what it held is dropped. */
    synchronized void remove(Group group) {
        groups = Arrays.stream(groups).filter(g -> g != group).toArray(Group[]::new);
    }

    /**
     * Appends {@code message} to every group, after waiting for room in each (the bound is soft: producers
     * racing for the last room may each add one message).
     *
     * @param blockNanos how long {@link Backpressure#BLOCK} waits for room; ignored by {@link Backpressure#FAIL}
     * @throws BufferFullException when a group stays full
     */
    void publish(Message message, int size, Backpressure backpressure, long blockNanos) {
        Group[] current = groups;
        for (Group g : current) {
            g.awaitRoom(size, backpressure, blockNanos);
        }
        Entry entry = new Entry(message, partitionOf(message.unsafeKey()), 1, size);
        for (Group g : current) {
            g.append(entry);
        }
    }

    /** Publishes a dead letter: never waits, so settling a delivery cannot block on a full dead-letter group. */
    void publishUnbounded(Message message) {
        Entry entry = new Entry(message, partitionOf(message.unsafeKey()), 1, message.sizeInBytes());
        for (Group g : groups) {
            g.append(entry);
        }
    }

    private int partitionOf(byte[] key) {
        if (key == null) {
            // A racy counter is fine here: messages without a key only need spreading, not exactness.
            return Math.floorMod(roundRobin++, partitions);
        }
        return Math.floorMod(Arrays.hashCode(key), partitions);
    }
}
