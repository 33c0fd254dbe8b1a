package io.polybus.sinks;

import io.polybus.events.Components;
import io.polybus.events.SinkProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/sinks.md shows the keys of the sinks section and of its built-in sinks as their ConfigDefs define them. */
class SinksDocsTest {
    @Test
    void keyTablesInTheDocsMatchTheConfigDefs() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "sinks.md"));
        Map<String, SinkProvider> sinks = Components.load(SinkProvider.class);
        String section = SinksConfig.keys(sinks).toMarkdown();
        assertTrue(doc.contains(section), "docs/sinks.md is out of date; paste in:\n" + section);
        String output = SinksConfig.OUTPUT_KEYS.toMarkdown();
        assertTrue(doc.contains(output), "docs/sinks.md is out of date; paste in:\n" + output);
        sinks.forEach((type, p) -> {
            if (p.getClass().getName().startsWith("io.polybus.")) {
                String table = p.configDef().toMarkdown();
                assertTrue(doc.contains(table), "docs/sinks.md is out of date for sink '" + type + "'; paste in:\n" + table);
            }
        });
    }
}
