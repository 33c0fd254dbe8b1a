package io.polybus.kafka.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which partition of a delay topic a delay goes to: tiers that double, the last one taking every longer delay. */
class DelayTiersTest {

    @Test
    void eachTierHoldsDelaysUpToTwiceAsLongAsTheTierBefore() {
        assertEquals(0, Records.tier(Duration.ofMillis(1), Records.DELAY_TIERS));
        assertEquals(0, Records.tier(Duration.ofMillis(499), Records.DELAY_TIERS));
        assertEquals(1, Records.tier(Duration.ofMillis(500), Records.DELAY_TIERS));
        assertEquals(1, Records.tier(Duration.ofMillis(999), Records.DELAY_TIERS));
        assertEquals(2, Records.tier(Duration.ofSeconds(1), Records.DELAY_TIERS));
        assertEquals(3, Records.tier(Duration.ofSeconds(2), Records.DELAY_TIERS));
        assertEquals(10, Records.tier(Duration.ofSeconds(511), Records.DELAY_TIERS));
        assertEquals(11, Records.tier(Duration.ofSeconds(512), Records.DELAY_TIERS));
        assertEquals(11, Records.tier(Duration.ofDays(7), Records.DELAY_TIERS));
    }

    @Test
    void aDelayTopicWithFewerPartitionsPutsTheLongerTiersInItsLast() {
        assertEquals(0, Records.tier(Duration.ofMinutes(5), 1));
        assertEquals(2, Records.tier(Duration.ofMinutes(5), 3));
        assertEquals(1, Records.tier(Duration.ofMillis(700), 3));
    }
}
