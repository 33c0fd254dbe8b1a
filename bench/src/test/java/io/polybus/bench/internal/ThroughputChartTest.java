package io.polybus.bench.internal;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The throughput chart shows whole seconds only and marks where the warm-up ends. */
class ThroughputChartTest {

    @Test
    void theWarmUpEndIsAVerticalLineAcrossTheRates() {
        List<RunResult.Sample> timeline = List.of(new RunResult.Sample(1, 500, 500, -1),
                new RunResult.Sample(2, 2000, 2000, -1), new RunResult.Sample(3, 4000, 4000, -1));
        RunResult run = new RunResult("kafka", Target.POLYBUS, 0, 1, Workload.Phases.TOGETHER, RunResult.Status.OK, null,
                1, 1000, 0, 1000, 4000, 0.4, 4000, new Histogram(3), new Histogram(3), new Histogram(3), new Histogram(3),
                0, 0, 0, timeline, Map.of());

        XYChart chart = HtmlReport.throughputChart("t", List.of(run), RunResult::target, 2);

        XYSeries line = chart.getSeriesMap().get(HtmlReport.WARMUP_END);
        assertArrayEquals(new double[] {2, 2}, line.getXData());
        assertArrayEquals(new double[] {1, 4000}, line.getYData());
        assertEquals(3, chart.getSeriesMap().get(run.target()).getXData().length);
    }

    @Test
    void thePartOfASecondAfterTheLastSampleStaysOffTheTimeline() {
        RunMeter meter = new RunMeter(Workload.Phases.TOGETHER);
        long begin = System.nanoTime();
        meter.start(begin, begin);
        meter.sample();
        meter.finish();
        assertEquals(1, meter.timeline().size());
    }
}
