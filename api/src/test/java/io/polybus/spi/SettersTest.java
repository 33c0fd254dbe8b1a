package io.polybus.spi;

import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettersTest {
    /** A client configured by setters, as the Artemis locator and the RocketMQ clients are. */
    public static final class Client {
        int windowSize;
        long timeoutMillis;
        double ratio;
        boolean compress;
        String password;

        public void setWindowSize(int v) {
            windowSize = v;
        }

        public void setTimeoutMillis(long v) {
            timeoutMillis = v;
        }

        public void setRatio(double v) {
            ratio = v;
        }

        public void setCompress(boolean v) {
            compress = v;
        }

        public void setPassword(String v) {
            password = v;
        }

        public void setListener(Runnable r) {
        }
    }

    @Test
    void settingsOfSimpleTypesAreSetByName() {
        Setters setters = Setters.of(Client.class);
        assertEquals(Set.of("windowSize", "timeoutMillis", "ratio", "compress", "password"), setters.names());
        assertFalse(setters.has("listener"), "a setter of another type is not a setting");
        Client c = new Client();
        Map<String, String> settings = Map.of("windowSize", " 64 ", "timeoutMillis", "1500", "ratio", "0.5",
                "compress", "true", "password", "s3cret", "unknown", "x");
        assertEquals(List.of(), setters.apply(c, settings, "client.", name -> name.contains("password")));
        assertEquals(64, c.windowSize);
        assertEquals(1500L, c.timeoutMillis);
        assertEquals(0.5, c.ratio);
        assertTrue(c.compress);
        assertEquals("s3cret", c.password);
    }

    @Test
    void aValueOfTheWrongTypeIsAProblemNamingTheKeyAndWhatItTakes() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("windowSize", "many");
        settings.put("compress", "perhaps");
        List<ConfigException.Problem> problems = Setters.of(Client.class).apply(new Client(), settings, "client.", n -> false);
        assertEquals(List.of(new ConfigException.Problem("client.windowSize", "many", "expected a whole number"),
                new ConfigException.Problem("client.compress", "perhaps", "expected true or false")), problems);
    }
}
