package io.polybus.bench.internal;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks what each group received against what each producer sent, from the sequence numbers in the
 * payloads: a message sent and acknowledged but never received is lost, one received twice is duplicated,
 * one received after a later message of the same producer and key is reordered (only keyed messages have an
 * order to keep). Thread-safe: producers and
 * consumers report from their own threads.
 */
final class SequenceChecker {
    private final Track[][] tracks;
    private final AtomicLong[] sent;
    private final Set<Long>[] failed;
    private final int keys;
    private final boolean keyed;

    @SuppressWarnings("unchecked")
    SequenceChecker(int groups, int producers, int keys) {
        this.keys = Math.max(1, keys);
        this.keyed = keys > 0;
        this.tracks = new Track[groups][producers];
        for (Track[] row : tracks) {
            for (int p = 0; p < producers; p++) {
                row[p] = new Track(this.keys);
            }
        }
        this.sent = new AtomicLong[producers];
        this.failed = new Set[producers];
        for (int p = 0; p < producers; p++) {
            sent[p] = new AtomicLong();
            failed[p] = ConcurrentHashMap.newKeySet();
        }
    }

    /** Producer {@code producer} has used sequence numbers 0 to {@code count - 1}. */
    void sent(int producer, long count) {
        sent[producer].set(count);
    }

    /** The broker refused (or the client failed) this message: it is not expected anywhere. */
    void failed(int producer, long sequence) {
        failed[producer].add(sequence);
    }

    /** Group {@code group} received the message with this stamp. */
    void received(int group, Stamp stamp) {
        tracks[group][stamp.producer()].accept(stamp.sequence(), stamp.key() % keys);
    }

    /** Sequence numbers used over all producers. */
    long sent() {
        long total = 0;
        for (AtomicLong s : sent) {
            total += s.get();
        }
        return total;
    }

    /** Messages every group should have received: sent and not failed, summed over groups. */
    long expected() {
        long total = 0;
        for (int p = 0; p < sent.length; p++) {
            total += sent[p].get() - failed[p].size();
        }
        return total * tracks.length;
    }

    /** Distinct messages received, summed over groups. */
    long distinctReceived() {
        long total = 0;
        for (Track[] row : tracks) {
            for (Track t : row) {
                total += t.distinct();
            }
        }
        return total;
    }

    /** Messages sent, acknowledged and never received, summed over groups. */
    long lost() {
        long lost = 0;
        for (Track[] row : tracks) {
            for (int p = 0; p < row.length; p++) {
                lost += row[p].missing(sent[p].get(), failed[p]);
            }
        }
        return lost;
    }

    long duplicated() {
        long n = 0;
        for (Track[] row : tracks) {
            for (Track t : row) {
                n += t.duplicates();
            }
        }
        return n;
    }

    /**
     * Messages received after a later one of the same producer and key; -1 when messages have no key, as
     * brokers promise order only per key.
     */
    long reordered() {
        if (!keyed) {
            return -1;
        }
        long n = 0;
        for (Track[] row : tracks) {
            for (Track t : row) {
                n += t.reorders();
            }
        }
        return n;
    }

    /** What one group saw of one producer. */
    private static final class Track {
        private final BitSet seen = new BitSet();
        private final long[] lastByKey;
        private long distinct;
        private long duplicates;
        private long reorders;

        Track(int keys) {
            lastByKey = new long[keys];
            Arrays.fill(lastByKey, -1);
        }

        synchronized void accept(long sequence, int key) {
            int index = Math.toIntExact(sequence);
            if (seen.get(index)) {
                duplicates++;
                return;
            }
            seen.set(index);
            distinct++;
            if (sequence < lastByKey[key]) {
                reorders++;
            } else {
                lastByKey[key] = sequence;
            }
        }

        synchronized long distinct() {
            return distinct;
        }

        synchronized long duplicates() {
            return duplicates;
        }

        synchronized long reorders() {
            return reorders;
        }

        synchronized long missing(long sent, Set<Long> failed) {
            long missing = 0;
            for (int i = seen.nextClearBit(0); i < sent; i = seen.nextClearBit(i + 1)) {
                if (!failed.contains((long) i)) {
                    missing++;
                }
            }
            return missing;
        }
    }
}
