package io.polybus.mqtt;

import io.polybus.Brokers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/mqtt.md shows the configuration keys exactly as the provider defines them. */
class MqttDocsTest {
    @Test
    void configurationTableInTheDocsMatchesTheConfigDef() throws Exception {
        String table = Brokers.configDef("mqtt").orElseThrow().toMarkdown();
        String doc = Files.readString(Path.of("..", "docs", "mqtt.md"));
        assertTrue(doc.contains(table), "docs/mqtt.md is out of date; paste in ConfigDef.toMarkdown():\n" + table);
    }
}
