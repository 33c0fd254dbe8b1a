package io.polybus.bench.internal;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

class MarkdownTableTest {

    private static RunResult run(String client, double rate, double consumeRate, long p99Micros) {
        Histogram h = new Histogram(3);
        h.recordValueWithCount(p99Micros / 2, 98);
        h.recordValueWithCount(p99Micros, 2);
        return new RunResult("kafka", client, 0, RunResult.Status.OK, null, 10, 1000, 0, 1000, rate, rate * 100 / 1e6,
                consumeRate, h, h, h, h, 0, 0, 3, List.of(), Map.of());
    }

    @Test
    void polybusRowsShowTheirRatioToTheRawClientOnTheSameBroker() {
        Report report = new Report(Report.SCHEMA, "now", "polybus bench", Map.of(), Map.of(),
                List.of(run(Target.RAW, 200_000, 190_000, 4000), run(Target.POLYBUS, 150_000, 140_000, 6000)), List.of());

        String table = MarkdownTable.render(report);

        assertTrue(table.contains("| kafka | raw | max | 200,000 | 20.00 | 190,000 | 2.00 | 4.00 |"), table);
        assertTrue(table.contains("| kafka | polybus | max | 150,000 | 15.00 | 140,000 | 3.00 | 6.00 |"), table);
        assertTrue(table.contains("| 0 | 0 | 3 | 0.75× / 1.50× |"), table);
    }
}
