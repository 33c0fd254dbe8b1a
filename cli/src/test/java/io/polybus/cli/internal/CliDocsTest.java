package io.polybus.cli.internal;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The docs show the keys of the sections the command line reads exactly as their ConfigDefs define them. */
class CliDocsTest {
    @Test
    void consoleAndMetricsKeyTablesMatchTheConfigDefs() throws Exception {
        String agent = Files.readString(Path.of("..", "docs", "agent.md"));
        String monitor = Files.readString(Path.of("..", "docs", "monitor.md"));
        String console = ConsoleConfig.KEYS.toMarkdown();
        String metrics = MetricsConfig.KEYS.toMarkdown();
        assertTrue(agent.contains(console), "docs/agent.md is out of date; paste in:\n" + console);
        assertTrue(monitor.contains(metrics), "docs/monitor.md is out of date; paste in:\n" + metrics);
    }
}
