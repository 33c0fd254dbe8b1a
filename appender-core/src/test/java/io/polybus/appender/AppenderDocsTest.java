package io.polybus.appender;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/appenders.md shows the appender keys exactly as the ConfigDef defines them. */
class AppenderDocsTest {
    @Test
    void keyTableInTheDocsMatchesTheConfigDef() throws Exception {
        String table = AppenderSettings.CONFIG_DEF.toMarkdown();
        String doc = Files.readString(Path.of("..", "docs", "appenders.md"));
        assertTrue(doc.contains(table), "docs/appenders.md is out of date; paste in ConfigDef.toMarkdown():\n" + table);
    }
}
