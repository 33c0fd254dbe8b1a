package io.polybus.bench.internal;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MarkdownTableTest {

    private static RunResult run(String client, int round, Workload.Phases phases, double rate, double consumeRate,
                                 long p99Micros) {
        Histogram h = new Histogram(3);
        h.recordValueWithCount(p99Micros / 2, 98);
        h.recordValueWithCount(p99Micros, 2);
        Histogram e2e = phases == Workload.Phases.TOGETHER ? h : new Histogram(3);
        return new RunResult("kafka", client, 0, round, phases, RunResult.Status.OK, null, 10, 1000, 0, 1000, rate,
                rate * 100 / 1e6, consumeRate, h, h, e2e, e2e, 0, 0, 3, List.of(), Map.of());
    }

    private static RunResult run(String client, double rate, long p99Micros) {
        return run(client, 1, Workload.Phases.TOGETHER, rate, rate, p99Micros);
    }

    private static Report report(RunResult... runs) {
        return new Report(Report.SCHEMA, "now", "polybus bench", Map.of(), Map.of(), List.of(runs), List.of());
    }

    @Test
    void polybusRowsShowTheirRatioToTheRawClientOnTheSameBroker() {
        String table = MarkdownTable.render(report(run(Target.RAW, 200_000, 4000), run(Target.POLYBUS, 150_000, 6000)));

        assertTrue(table.contains("| kafka | raw | max | 200,000 | 20.00 | 200,000 | 2.00 | 4.00 |"), table);
        assertTrue(table.contains("| kafka | polybus | max | 150,000 | 15.00 | 150,000 | 3.00 | 6.00 |"), table);
        assertTrue(table.contains("| 0 | 0 | 3 | publish 0.75×, e2e p99 1.50× |"), table);
        assertTrue(table.contains("| Polybus ÷ raw (rates: higher is better; p99: lower is better) |"), table);
        assertTrue(table.contains("e2e p99 ratio (above 1×: Polybus is slower)"), table);
        assertFalse(table.contains("round"), "no round column for a single round");
    }

    @Test
    void separatePhasesShowNoEndToEndLatencyAndRatiosOfPublishAndConsumeRates() {
        String table = MarkdownTable.render(report(
                run(Target.RAW, 1, Workload.Phases.SEPARATE, 200_000, 400_000, 4000),
                run(Target.POLYBUS, 1, Workload.Phases.SEPARATE, 190_000, 300_000, 6000)));

        assertTrue(table.contains("| kafka | polybus | max | 190,000 | 19.00 | 300,000 | 3.00 | 6.00 | 6.00 | 6.00 "
                + "| - | - | - | - | 0 | 0 | 3 | publish 0.95×, consume 0.75× |"), table);
        assertTrue(table.contains("publish rate ratio and consume rate ratio (above 1×: Polybus is faster)"), table);
        assertTrue(table.contains("end-to-end latency is not measured (-)"), table);
    }

    @Test
    void roundsAreLabelledAndSummarisedByTheirMedianRatio() {
        String table = MarkdownTable.render(report(
                run(Target.RAW, 1, Workload.Phases.SEPARATE, 100_000, 100_000, 4000),
                run(Target.POLYBUS, 1, Workload.Phases.SEPARATE, 90_000, 110_000, 4000),
                run(Target.RAW, 2, Workload.Phases.SEPARATE, 100_000, 100_000, 4000),
                run(Target.POLYBUS, 2, Workload.Phases.SEPARATE, 99_000, 100_000, 4000),
                run(Target.RAW, 3, Workload.Phases.SEPARATE, 100_000, 100_000, 4000),
                run(Target.POLYBUS, 3, Workload.Phases.SEPARATE, 95_000, 80_000, 4000)));

        assertTrue(table.contains("| kafka | raw | 2 | max | 100,000 |"), table);
        assertTrue(table.contains("| kafka | polybus | 3 | max | 95,000 |"), table);
        assertTrue(table.contains("| publish 0.99×, consume 1.00× |"), "round 2 is compared with raw round 2: " + table);
        assertTrue(table.contains("- kafka @ max, Polybus ÷ raw over 3 rounds: publish median 0.95× (0.90×–0.99×), "
                + "consume median 1.00× (0.80×–1.10×)"), table);
    }

    @Test
    void aFailedRunHasAsManyCellsAsTheHeader() {
        RunResult failed = new RunResult("kafka", Target.RAW, 0, 1, Workload.Phases.TOGETHER, RunResult.Status.FAILED,
                "down", 0, 0, 0, 0, 0, 0, 0, new Histogram(3), new Histogram(3), new Histogram(3), new Histogram(3),
                0, 0, 0, List.of(), Map.of());

        List<String> lines = MarkdownTable.render(report(failed)).lines().toList();

        long header = lines.get(0).chars().filter(c -> c == '|').count();
        assertEquals(header, lines.get(1).chars().filter(c -> c == '|').count());
        assertEquals(header, lines.get(2).chars().filter(c -> c == '|').count(), lines.get(2));
    }
}
