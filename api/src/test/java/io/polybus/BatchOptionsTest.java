package io.polybus;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchOptionsTest {

    @Test
    void sizeAndWaitMustBePositive() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BatchOptions.of(0, Duration.ofSeconds(1)))
                .getMessage().contains("maxSize"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BatchOptions.of(10, Duration.ZERO))
                .getMessage().contains("maxWait"));
        assertEquals(new BatchOptions(10, Duration.ofMillis(5)), BatchOptions.of(10, Duration.ofMillis(5)));
    }
}
