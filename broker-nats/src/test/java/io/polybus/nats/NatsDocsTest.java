package io.polybus.nats;

import io.polybus.Brokers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/nats.md shows the configuration keys exactly as the provider defines them. */
class NatsDocsTest {
    @Test
    void configurationTableInTheDocsMatchesTheConfigDef() throws Exception {
        String table = Brokers.configDef("nats").orElseThrow().toMarkdown();
        String doc = Files.readString(Path.of("..", "docs", "nats.md"));
        assertTrue(doc.contains(table), "docs/nats.md is out of date; paste in ConfigDef.toMarkdown():\n" + table);
    }
}
