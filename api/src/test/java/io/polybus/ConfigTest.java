package io.polybus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {

    @Test
    void yamlIsFlattenedWithDotsAndListsJoined() {
        Config c = Config.fromYaml("""
                broker:
                  type: kafka
                  bootstrap-servers: [a:9092, b:9092]
                  kafka:
                    linger.ms: 5
                """, name -> null);
        assertEquals("kafka", c.get("broker.type").orElseThrow());
        assertEquals("a:9092,b:9092", c.get("broker.bootstrap-servers").orElseThrow());
        Config broker = c.section("broker");
        assertEquals("5", broker.get("kafka.linger.ms").orElseThrow());
        assertFalse(broker.contains("broker.type"));
    }

    @Test
    void placeholdersExpandFromEnvironmentDefaultsAndFiles(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("password");
        Files.writeString(secret, "s3cret\n");
        Map<String, String> env = Map.of("HOST", "redis.internal", "EMPTY", "");
        Config c = Config.fromYaml("""
                host: ${HOST}
                port: ${PORT:-6379}
                fallback: ${EMPTY:-used}
                password: ${file:%s}
                literal: $${HOST}
                mixed: redis://${HOST}:${PORT:-6379}/0
                """.formatted(secret), env::get);
        assertEquals("redis.internal", c.get("host").orElseThrow());
        assertEquals("6379", c.get("port").orElseThrow());
        assertEquals("used", c.get("fallback").orElseThrow());
        assertEquals("s3cret", c.get("password").orElseThrow());
        assertEquals("${HOST}", c.get("literal").orElseThrow());
        assertEquals("redis://redis.internal:6379/0", c.get("mixed").orElseThrow());
    }

    @Test
    void missingVariableNamesTheKeyAndTheVariable() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.fromYaml("broker:\n  password: ${NOT_SET_ANYWHERE}\n", name -> null));
        assertEquals("broker.password", e.problems().get(0).key());
        assertTrue(e.getMessage().contains("NOT_SET_ANYWHERE"), e.getMessage());
    }

    @Test
    void unreadableSecretFileIsNamedWithoutItsContent(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.fromYaml("password: ${file:" + dir.resolve("missing") + "}\n", name -> null));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void brokenYamlAndMissingFileGiveClearErrors(@TempDir Path dir) {
        ConfigException broken = assertThrows(ConfigException.class, () -> Config.fromYaml("a: [1, 2\n", n -> null));
        assertTrue(broken.getMessage().contains("not valid YAML"), broken.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> Config.fromYaml(dir.resolve("nope.yaml")));
        assertTrue(missing.getMessage().contains("nope.yaml"), missing.getMessage());
    }

    @Test
    void propertiesAndPairsAndOverrides() {
        Properties p = new Properties();
        p.setProperty("type", "memory");
        Config c = Config.fromProperties(p).withAll(Config.of("name", "x")).with("type", "redis");
        assertEquals(Map.of("type", "redis", "name", "x"), c.asMap());
        assertEquals("Config[name, type]", c.toString(), "toString shows keys only, never values");
    }
}
