package io.polybus.zeromq;

import io.polybus.Brokers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/zeromq.md shows the configuration keys exactly as the provider defines them. */
class ZeroMqDocsTest {
    @Test
    void configurationTableInTheDocsMatchesTheConfigDef() throws Exception {
        String table = Brokers.configDef("zeromq").orElseThrow().toMarkdown();
        String doc = Files.readString(Path.of("..", "docs", "zeromq.md"));
        assertTrue(doc.contains(table), "docs/zeromq.md is out of date; paste in ConfigDef.toMarkdown():\n" + table);
    }
}
