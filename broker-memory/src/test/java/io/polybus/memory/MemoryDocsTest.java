package io.polybus.memory;

import io.polybus.Brokers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/memory.md shows the configuration keys exactly as the provider defines them. */
class MemoryDocsTest {
    @Test
    void configurationTableInTheDocsMatchesTheConfigDef() throws Exception {
        String table = Brokers.configDef("memory").orElseThrow().toMarkdown();
        String doc = Files.readString(Path.of("..", "docs", "memory.md"));
        assertTrue(doc.contains(table), "docs/memory.md is out of date; paste in ConfigDef.toMarkdown():\n" + table);
    }
}
