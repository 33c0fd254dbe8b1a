package io.polybus.rocketmq;

import io.polybus.Brokers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/rocketmq.md shows the configuration keys exactly as the provider defines them. */
class RocketMqDocsTest {
    @Test
    void configurationTableInTheDocsMatchesTheConfigDef() throws Exception {
        String table = Brokers.configDef("rocketmq").orElseThrow().toMarkdown();
        String doc = Files.readString(Path.of("..", "docs", "rocketmq.md"));
        assertTrue(doc.contains(table), "docs/rocketmq.md is out of date; paste in ConfigDef.toMarkdown():\n" + table);
    }
}
