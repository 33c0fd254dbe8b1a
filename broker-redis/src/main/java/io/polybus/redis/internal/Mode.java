package io.polybus.redis.internal;

import io.polybus.Capability;

import java.util.EnumSet;
import java.util.Set;

/** How topics map onto Redis, and what each mapping can promise. */
public enum Mode {
    /** A stream per topic, a consumer group per group. */
    STREAMS(EnumSet.of(Capability.FANOUT, Capability.REPLAY, Capability.ORDERED_BY_KEY, Capability.DEAD_LETTER,
            Capability.PARTITIONED, Capability.AT_LEAST_ONCE, Capability.DELAYED_REQUEUE)),
    /** A list per topic, consumers move entries to their own processing list. */
    LIST(EnumSet.of(Capability.ORDERED_BY_KEY, Capability.DEAD_LETTER, Capability.PARTITIONED,
            Capability.AT_LEAST_ONCE, Capability.DELAYED_REQUEUE)),
    /** A channel per topic. */
    PUBSUB(EnumSet.of(Capability.FANOUT, Capability.ORDERED_BY_KEY));

    private final Set<Capability> base;

    Mode(Set<Capability> base) {
        this.base = base;
    }

    /** The capabilities of this mode; {@code durableServer} adds DURABLE where the mode stores messages. */
    public Set<Capability> capabilities(boolean durableServer) {
        EnumSet<Capability> caps = EnumSet.copyOf(base);
        if (durableServer && this != PUBSUB) {
            caps.add(Capability.DURABLE);
        }
        return Set.copyOf(caps);
    }
}
