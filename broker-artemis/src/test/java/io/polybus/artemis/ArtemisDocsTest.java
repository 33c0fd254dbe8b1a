package io.polybus.artemis;

import io.polybus.Brokers;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/artemis.md shows the configuration keys exactly as the provider defines them. */
class ArtemisDocsTest {
    @Test
    void configurationTableInTheDocsMatchesTheConfigDef() throws Exception {
        String table = Brokers.configDef("artemis").orElseThrow().toMarkdown();
        String doc = Files.readString(Path.of("..", "docs", "artemis.md"));
        assertTrue(doc.contains(table), "docs/artemis.md is out of date; paste in ConfigDef.toMarkdown():\n" + table);
    }
}
