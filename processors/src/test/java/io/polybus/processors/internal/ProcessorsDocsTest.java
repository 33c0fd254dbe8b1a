package io.polybus.processors.internal;

import io.polybus.events.Components;
import io.polybus.events.ProcessorProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** docs/agent.md shows the keys of this module's processors exactly as their ConfigDefs define them. */
class ProcessorsDocsTest {
    @Test
    void keyTablesInTheDocsMatchTheConfigDefs() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "agent.md"));
        List<String> stale = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        Components.load(ProcessorProvider.class).forEach((type, p) -> {
            if (p.getClass().getName().startsWith("io.polybus.processors.")) {
                String table = p.configDef().toMarkdown();
                if (!doc.contains(table)) {
                    stale.add(type);
                }
                expected.append("\nprocessor `").append(type).append("`:\n\n").append(table);
            }
        });
        assertEquals(List.of(), stale, "docs/agent.md is out of date; paste in ConfigDef.toMarkdown() of each:\n" + expected);
    }
}
