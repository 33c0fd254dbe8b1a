package io.polybus;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryBackoffTest {

    @Test
    void delaysGrowByTheMultiplierUpToTheMax() {
        RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(5));
        assertEquals(Duration.ofSeconds(1), backoff.delayAfter(1));
        assertEquals(Duration.ofSeconds(2), backoff.delayAfter(2));
        assertEquals(Duration.ofSeconds(4), backoff.delayAfter(3));
        assertEquals(Duration.ofSeconds(5), backoff.delayAfter(4));
        assertEquals(Duration.ofSeconds(5), backoff.delayAfter(1000));
    }

    @Test
    void noneRedeliversAtOnceAndIsTheDefault() {
        assertFalse(RetryBackoff.NONE.delays());
        assertEquals(Duration.ZERO, RetryBackoff.NONE.delayAfter(3));
        assertEquals(RetryBackoff.NONE, ConsumerOptions.of("t", "g").retryBackoff());
        ConsumerOptions options = ConsumerOptions.builder("t", "g")
                .retryBackoff(Duration.ofMillis(100), 1.5, Duration.ofSeconds(1)).build();
        assertTrue(options.retryBackoff().delays());
        assertEquals(options, options.toBuilder().build());
    }

    @Test
    void badValuesAreRefusedNamingWhatIsWrong() {
        IllegalArgumentException multiplier = assertThrows(IllegalArgumentException.class,
                () -> new RetryBackoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(2)));
        assertTrue(multiplier.getMessage().contains("multiplier"), multiplier.getMessage());
        IllegalArgumentException max = assertThrows(IllegalArgumentException.class,
                () -> new RetryBackoff(Duration.ofSeconds(2), 2, Duration.ofSeconds(1)));
        assertTrue(max.getMessage().contains("max"), max.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new RetryBackoff(Duration.ofSeconds(-1), 2, Duration.ofSeconds(1)));
    }
}
