package io.polybus.rabbitmq.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DelayQueuesTest {

    @Test
    void delaysAreRoundedUpToTwoSignificantDigitsNeverDown() {
        assertEquals(1, DelayQueues.tierMillis(1));
        assertEquals(99, DelayQueues.tierMillis(99));
        assertEquals(100, DelayQueues.tierMillis(100));
        assertEquals(110, DelayQueues.tierMillis(101));
        assertEquals(2000, DelayQueues.tierMillis(2000));
        assertEquals(1300, DelayQueues.tierMillis(1234));
        assertEquals(1_000_000, DelayQueues.tierMillis(999_001));
        for (long millis = 1; millis < 10_000_000; millis = millis * 3 + 7) {
            long tier = DelayQueues.tierMillis(millis);
            assertTrue(tier >= millis && tier <= millis * 1.1, millis + " ms waits " + tier + " ms");
        }
    }

    @Test
    void delaysBeyondTheLongestTierWaitInIt() {
        assertEquals(DelayQueues.MAX_TIER_MILLIS, DelayQueues.tierMillis(DelayQueues.MAX_TIER_MILLIS));
        assertEquals(DelayQueues.MAX_TIER_MILLIS, DelayQueues.tierMillis(Long.MAX_VALUE / 2));
        assertTrue(DelayQueues.MAX_TIER_MILLIS + 2 * DelayQueues.LEASE_REFRESH.toMillis() <= 0xFFFF_FFFFL,
                "RabbitMQ refuses x-expires above 2^32 - 1 ms");
    }

    @Test
    void aDelayQueueIsNamedAfterItsGroupQueueAndTier() {
        assertEquals("orders.billing.delay-2000ms", DelayQueues.name("orders.billing", 2000));
    }
}
