package io.polybus.memory.internal;

import io.polybus.Backpressure;
import io.polybus.BufferFullException;
import io.polybus.PolybusException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A group: per key partition, the FIFO of messages not yet handed out; the member consumers, each owning
 * some partitions; and the bytes held, bounded so that producers wait when the group's consumers lag.
 * Unsettled deliveries stay counted in the bytes until they are acked or dead-lettered. Entries requeued with a
 * delay wait in a schedule ordered by due time and go back first in their partition when due.
 */
final class Group {
    final String topic;
    final String name;
    private final ArrayDeque<Entry>[] partitions;
    private final MemoryConsumer[] owners;
    private final PriorityQueue<Scheduled> scheduled = new PriorityQueue<>(Comparator.comparingLong(Scheduled::dueNanos));
    private final List<MemoryConsumer> members = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final AtomicLong bytes = new AtomicLong();
    private final long maxBytes;
    private volatile int roomWaiters;

    @SuppressWarnings("unchecked")
    Group(String topic, String name, int partitionCount, long maxBytes) {
        this.topic = topic;
        this.name = name;
        this.maxBytes = maxBytes;
        this.partitions = new ArrayDeque[partitionCount];
        for (int i = 0; i < partitionCount; i++) {
            partitions[i] = new ArrayDeque<>();
        }
        this.owners = new MemoryConsumer[partitionCount];
    }

    Condition newCondition() {
        return lock.newCondition();
    }

    void awaitRoom(int size, Backpressure backpressure, long blockNanos) {
        if (bytes.get() < maxBytes) {
            return;
        }
        if (backpressure == Backpressure.FAIL) {
            throw full(size);
        }
        long deadline = System.nanoTime() + blockNanos;
        lock.lock();
        roomWaiters++;
        try {
            while (bytes.get() >= maxBytes) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw full(size);
                }
                room.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolybusException("interrupted while waiting for room in group '" + name + "'", e);
        } finally {
            roomWaiters--;
            lock.unlock();
        }
    }

    private BufferFullException full(int size) {
        return new BufferFullException("group '" + name + "' of topic '" + topic + "' holds " + bytes.get()
                + " bytes, its limit is " + maxBytes + " (max-group-bytes); its consumers are not keeping up"
                + " and a message of " + size + " bytes must wait");
    }

    void append(Entry entry) {
        bytes.addAndGet(entry.size());
        lock.lock();
        try {
            partitions[entry.partition()].addLast(entry);
            wake(owners[entry.partition()]);
        } finally {
            lock.unlock();
        }
    }

    /** Puts a requeued entry first in its partition, so it is delivered next. */
    void requeue(Entry entry) {
        lock.lock();
        try {
            partitions[entry.partition()].addFirst(entry);
            wake(owners[entry.partition()]);
        } finally {
            lock.unlock();
        }
    }

    /** Puts a requeued entry first in its partition once {@code delayNanos} have passed. */
    void requeueAfter(Entry entry, long delayNanos) {
        lock.lock();
        try {
            scheduled.add(new Scheduled(System.nanoTime() + delayNanos, entry));
            for (MemoryConsumer member : members) {
                wake(member);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Moves the scheduled entries that are due into their partitions; under the lock. */
    private void releaseDue() {
        long now = System.nanoTime();
        Scheduled next;
        while ((next = scheduled.peek()) != null && next.dueNanos() - now <= 0) {
            scheduled.poll();
            partitions[next.entry().partition()].addFirst(next.entry());
            wake(owners[next.entry().partition()]);
        }
    }

    /** Puts abandoned entries back first in their partitions, in their original order. */
    void giveBack(List<Entry> entries) {
        lock.lock();
        try {
            for (int i = entries.size() - 1; i >= 0; i--) {
                Entry e = entries.get(i);
                partitions[e.partition()].addFirst(e);
                wake(owners[e.partition()]);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A delivery of {@code size} bytes was acked or dead-lettered: the group no longer holds it. */
    void settled(int size) {
        if (bytes.addAndGet(-size) < maxBytes && roomWaiters > 0) {
            lock.lock();
            try {
                room.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Moves up to {@code max} entries of {@code consumer}'s partitions into {@code out}, waiting up to
     * {@code waitNanos} when there are none.
     */
    int take(MemoryConsumer consumer, Entry[] out, int max, long waitNanos) throws InterruptedException {
        lock.lock();
        try {
            releaseDue();
            int n = drain(consumer, out, max);
            if (n == 0 && waitNanos > 0 && consumer.isRunning()) {
                Scheduled next = scheduled.peek();
                long wait = next == null ? waitNanos : Math.max(1, Math.min(waitNanos, next.dueNanos() - System.nanoTime()));
                consumer.waiting = true;
                try {
                    consumer.hasWork.awaitNanos(wait);
                } finally {
                    consumer.waiting = false;
                }
                releaseDue();
                n = drain(consumer, out, max);
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    private int drain(MemoryConsumer consumer, Entry[] out, int max) {
        int[] owned = consumer.owned;
        int n = 0;
        for (int i = 0; i < owned.length && n < max; i++) {
            int p = owned[(consumer.nextPartition + i) % owned.length];
            ArrayDeque<Entry> queue = partitions[p];
            Entry e;
            while (n < max && (e = queue.pollFirst()) != null) {
                out[n++] = e;
            }
        }
        if (owned.length > 0) {
            consumer.nextPartition = (consumer.nextPartition + 1) % owned.length;
        }
        return n;
    }

    void join(MemoryConsumer consumer) {
        lock.lock();
        try {
            members.add(consumer);
            rebalance();
        } finally {
            lock.unlock();
        }
    }

    void leave(MemoryConsumer consumer) {
        lock.lock();
        try {
            members.remove(consumer);
            consumer.owned = new int[0];
            rebalance();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a consumer's dispatcher, e.g. to notice that it is closing. */
    void wakeUp(MemoryConsumer consumer) {
        lock.lock();
        try {
            consumer.hasWork.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void rebalance() {
        int n = members.size();
        for (int m = 0; m < n; m++) {
            MemoryConsumer member = members.get(m);
            int count = 0;
            for (int p = m; p < partitions.length; p += n) {
                count++;
            }
            int[] owned = new int[count];
            int i = 0;
            for (int p = m; p < partitions.length; p += n) {
                owned[i++] = p;
                owners[p] = member;
            }
            member.owned = owned;
            member.nextPartition = 0;
            member.hasWork.signalAll();
        }
        if (n == 0) {
            Arrays.fill(owners, null);
        }
    }

    private static void wake(MemoryConsumer owner) {
        if (owner != null && owner.waiting) {
            owner.hasWork.signal();
        }
    }

    /** An entry requeued with a delay and the {@link System#nanoTime()} it is due at. */
    private record Scheduled(long dueNanos, Entry entry) {
    }
}
