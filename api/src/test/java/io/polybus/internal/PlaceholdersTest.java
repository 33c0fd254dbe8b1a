package io.polybus.internal;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlaceholdersTest {
    @Test
    void unclosedPlaceholderIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Placeholders.resolve("${OOPS", Map.<String, String>of()::get));
        assertTrue(e.getMessage().contains("unclosed"));
    }

    @Test
    void textWithoutPlaceholdersIsUntouched() {
        assertEquals("a $ b {c}", Placeholders.resolve("a $ b {c}", n -> null));
    }
}
