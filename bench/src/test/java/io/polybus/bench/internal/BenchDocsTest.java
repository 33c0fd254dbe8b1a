package io.polybus.bench.internal;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** bench/README.md shows the workload's keys and every broker's settings exactly as their ConfigDefs define them. */
class BenchDocsTest {
    @Test
    void keyTablesInTheReadmeMatchTheConfigDefs() throws Exception {
        Map<String, String> tables = new LinkedHashMap<>();
        tables.put("Workload keys", Workload.KEYS.toMarkdown());
        RawBaseline.ALL.forEach((type, baseline) -> tables.put("`brokers." + type + "`", baseline.keys().toMarkdown()));
        tables.put("`brokers.<any other type>`", BrokerSettings.POLYBUS_ONLY.toMarkdown());
        String readme = Files.readString(Path.of("README.md"));

        List<String> stale = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        tables.forEach((heading, table) -> {
            if (!readme.contains(table)) {
                stale.add(heading);
            }
            expected.append("\n").append(heading).append(":\n\n").append(table);
        });
        assertEquals(List.of(), stale, "bench/README.md is out of date; paste in ConfigDef.toMarkdown() of each:\n" + expected);
    }
}
