package io.polybus.agent;

import io.polybus.agent.internal.AgentPlugins;
import io.polybus.agent.internal.AgentSettings;
import io.polybus.events.Components;
import io.polybus.spi.ConfigDef;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** docs/agent.md shows every key of the agent, its sources and its processors exactly as their ConfigDefs define them. */
class AgentDocsTest {
    private static final Path DOC = Path.of("..", "docs", "agent.md");

    /** Every key table of the page, by the heading it follows; the built-ins only (not the tests' own plug-ins). */
    static Map<String, String> tables() {
        AgentPlugins plugins = AgentPlugins.load();
        Map<String, String> tables = new LinkedHashMap<>();
        tables.put("`agent:`", AgentSettings.AGENT.toMarkdown());
        tables.put("`delivery:`", AgentSettings.DELIVERY.toMarkdown());
        tables.put("Every source", AgentSettings.sharedSourceKeys(plugins.processors()).toMarkdown());
        plugins.sources().forEach((type, p) -> {
            if (builtIn(p)) {
                tables.put("source `" + type + "`", p.configDef().toMarkdown());
            }
        });
        Map<String, ConfigDef> processors = Components.keys("processor", plugins.processors(), null);
        processors.forEach((type, keys) -> {
            if (builtIn(plugins.processors().get(type))) {
                tables.put("processor `" + type + "`", keys.toMarkdown());
            }
        });
        return tables;
    }

    private static boolean builtIn(Object provider) {
        return provider.getClass().getName().startsWith("io.polybus.");
    }

    @Test
    void keyTablesInTheDocsMatchTheConfigDefs() throws Exception {
        String doc = Files.readString(DOC);
        List<String> stale = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        tables().forEach((heading, table) -> {
            if (!doc.contains(table)) {
                stale.add(heading);
            }
            expected.append("\n").append(heading).append(":\n\n").append(table);
        });
        assertEquals(List.of(), stale, "docs/agent.md is out of date; paste in ConfigDef.toMarkdown() of each:\n" + expected);
    }
}
