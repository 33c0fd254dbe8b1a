package io.polybus.rabbitmq;

import io.polybus.Brokers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/rabbitmq.md shows the configuration keys exactly as the provider defines them. */
class RabbitMqDocsTest {
    @Test
    void configurationTableInTheDocsMatchesTheConfigDef() throws Exception {
        String table = Brokers.configDef("rabbitmq").orElseThrow().toMarkdown();
        String doc = Files.readString(Path.of("..", "docs", "rabbitmq.md"));
        assertTrue(doc.contains(table), "docs/rabbitmq.md is out of date; paste in ConfigDef.toMarkdown():\n" + table);
    }
}
