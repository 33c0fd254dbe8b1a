package io.polybus.nats;

import io.polybus.Capability;
import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole contract with memory streams and interest retention: DURABLE and REPLAY are not declared, so the
 * suite asserts that requiring them is refused; everything else holds as with the defaults.
 */
class NatsMemoryInterestConformanceTest extends BrokerConformanceSuite {
    private static final String PREFIX = SharedNats.newPrefix("memory-interest");

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "nats", "servers", SharedNats.URL, "stream-prefix", PREFIX, "subject-prefix",
                PREFIX + ".", "ack-wait", "2s", "stream.storage", "memory", "stream.retention", "interest");
    }

    @Test
    void declaresNeitherDurableNorReplay() {
        assertEquals(Set.of(Capability.FANOUT, Capability.ORDERED_BY_KEY, Capability.DEAD_LETTER, Capability.PARTITIONED,
                Capability.AT_LEAST_ONCE, Capability.DELAYED_REQUEUE), broker.capabilities());
    }

    @AfterAll
    static void deleteStreams() throws Exception {
        SharedNats.deleteStreams(SharedNats.URL, PREFIX);
    }
}
