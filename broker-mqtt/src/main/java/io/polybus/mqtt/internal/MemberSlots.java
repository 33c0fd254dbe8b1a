package io.polybus.mqtt.internal;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The slot numbers of the group members this JVM runs, per {@code <client-id>:<group>:<topic>}: a new member takes
 * the lowest slot no running member holds, so a member that closes and comes back (or a process that restarts with
 * as many members) resumes the sessions, and with them the deliveries, its predecessors left. Thread-safe.
 */
final class MemberSlots {
    private static final Map<String, BitSet> TAKEN = new HashMap<>();

    private MemberSlots() {
    }

    static synchronized int acquire(String base) {
        BitSet taken = TAKEN.computeIfAbsent(base, b -> new BitSet());
        int slot = taken.nextClearBit(0);
        taken.set(slot);
        return slot;
    }

    static synchronized void release(String base, int slot) {
        BitSet taken = TAKEN.get(base);
        if (taken != null) {
            taken.clear(slot);
            if (taken.isEmpty()) {
                TAKEN.remove(base);
            }
        }
    }
}
