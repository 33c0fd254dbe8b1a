package io.polybus.spi;

import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef.Type;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDefTest {
    private final ConfigDef def = ConfigDef.builder("demo")
            .define("hosts", Type.LIST, "localhost:1", ConfigDef.nonEmpty(), "Hosts.")
            .define("retries", Type.INT, "3", ConfigDef.between(0, 10), "Retries.")
            .define("timeout", Type.DURATION, "5s", ConfigDef.atLeast(Duration.ofMillis(1)), "Timeout.")
            .define("buffer", Type.SIZE, "64MiB", "Buffer.")
            .define("mode", Type.STRING, "streams", ConfigDef.oneOf("streams", "list"), "Mode.")
            .define("tls", Type.BOOLEAN, "false", "TLS.")
            .define("password", Type.PASSWORD, null, "Password.")
            .passThrough("native.", "Native settings.")
            .build();

    @Test
    void defaultsAndTypedValues() {
        ProviderConfig c = def.parse(Config.of("type", "demo", "timeout", "250ms", "buffer", "2KiB", "native.linger.ms", "5"));
        assertEquals(List.of("localhost:1"), c.getList("hosts"));
        assertEquals(3, c.getInt("retries"));
        assertEquals(Duration.ofMillis(250), c.getDuration("timeout"));
        assertEquals(2048L, c.getSize("buffer"));
        assertFalse(c.getBoolean("tls"));
        assertTrue(c.findPassword("password").isEmpty());
        assertEquals(Map.of("linger.ms", "5"), c.passThrough());
    }

    @Test
    void everyProblemIsNamedWithValueAndWhatIsAccepted() {
        ConfigException e = assertThrows(ConfigException.class, () -> def.parse(Config.of(
                "retries", "eleven", "timeout", "soon", "mode", "carrier", "tls", "yes", "typo", "1")));
        assertEquals(5, e.problems().size(), e.getMessage());
        String m = e.getMessage();
        assertTrue(m.contains("retries: 'eleven'") && m.contains("a whole number"), m);
        assertTrue(m.contains("timeout: 'soon'") && m.contains("duration"), m);
        assertTrue(m.contains("mode: 'carrier'") && m.contains("one of streams, list"), m);
        assertTrue(m.contains("tls: 'yes'") && m.contains("true or false"), m);
        assertTrue(m.contains("typo") && m.contains("known keys: hosts, retries"), m);
    }

    @Test
    void aBareNumberAsADurationIsAnErrorNamingTheKeyAndAskingForAUnit() {
        ConfigException e = assertThrows(ConfigException.class, () -> def.parse(Config.of("timeout", "10")));
        assertTrue(e.getMessage().contains("timeout: '10'") && e.getMessage().contains("add ms or s"), e.getMessage());
    }

    @Test
    void outOfRangeNamesTheRange() {
        ConfigException e = assertThrows(ConfigException.class, () -> def.parse(Config.of("retries", "11")));
        assertTrue(e.getMessage().contains("from 0 to 10"), e.getMessage());
    }

    @Test
    void passwordsAreNeverShown() {
        ProviderConfig c = def.parse(Config.of("password", "hunter2"));
        assertEquals("hunter2", c.findPassword("password").orElseThrow().value());
        assertFalse(c.toString().contains("hunter2"));
        assertFalse(c.findPassword("password").orElseThrow().toString().contains("hunter2"));
    }

    @Test
    void environmentOverridesKeysAndPassThrough() {
        ProviderConfig c = def.parse(Config.of("retries", "1"), Map.of(
                "POLYBUS_BROKER_RETRIES", "7",
                "POLYBUS_BROKER_NATIVE_LINGER_MS", "9",
                "POLYBUS_BROKER_TYPE", "demo",
                "UNRELATED", "x"));
        assertEquals(7, c.getInt("retries"));
        assertEquals(Map.of("linger.ms", "9"), c.passThrough());
        ConfigException e = assertThrows(ConfigException.class,
                () -> def.parse(Config.empty(), Map.of("POLYBUS_BROKER_RETRYS", "1")));
        assertTrue(e.getMessage().contains("POLYBUS_BROKER_RETRYS"), e.getMessage());
    }

    @Test
    void sizesAndDurations() {
        assertEquals(1L << 30, ConfigDef.parseSize("1GiB"));
        assertEquals(512L * 1024, ConfigDef.parseSize("512kb"));
        assertEquals(Duration.ofMinutes(5), ConfigDef.parseDuration("5m"));
        assertEquals(Duration.ofSeconds(30), ConfigDef.parseDuration("PT30S"));
        assertEquals(Duration.ZERO, ConfigDef.parseDuration("0"));
        assertThrows(IllegalArgumentException.class, () -> ConfigDef.parseDuration("100"));
        assertThrows(IllegalArgumentException.class, () -> ConfigDef.parseSize("lots"));
    }

    @Test
    void markdownListsEveryKey() {
        String md = def.toMarkdown();
        assertTrue(md.contains("| `retries` | int | `3` | Retries. |"), md);
        assertTrue(md.contains("`native.*`"), md);
    }
}
