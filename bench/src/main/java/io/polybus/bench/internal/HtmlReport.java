package io.polybus.bench.internal;

import io.polybus.spi.ConfigDef;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Writes PNG charts (XChart, headless) and an HTML page showing them with the table and the provenance:
 * per rate, the publish and end-to-end latency percentile curves of every run, and the throughput of every
 * run over time; for a sweep, the end-to-end p99 of every target against the rate. End-to-end charts are left
 * out when no run measured end-to-end latency (separate phases).
 */
public final class HtmlReport {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;
    /** The name of the line that marks the end of the warm-up on the throughput charts. */
    static final String WARMUP_END = "end of warm-up";

    private HtmlReport() {
    }

    /**
     * Writes {@code report.html} and its charts into {@code dir}.
     *
     * @return the files written
     */
    public static List<Path> write(Report report, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> files = new ArrayList<>();
        Set<Long> rates = new LinkedHashSet<>();
        report.runs().forEach(r -> rates.add(r.targetRate()));
        boolean rounds = report.runs().stream().anyMatch(r -> r.round() > 1);
        Function<RunResult, String> name = r -> r.target() + (rounds ? ", round " + r.round() : "");
        StringBuilder charts = new StringBuilder();
        for (long rate : rates) {
            List<RunResult> runs = report.runs().stream()
                    .filter(r -> r.targetRate() == rate && r.status() != RunResult.Status.FAILED).toList();
            if (runs.isEmpty()) {
                continue;
            }
            String label = rate == 0 ? "max" : String.valueOf(rate);
            String title = MarkdownTable.rate(rate);
            charts.append("<h2>Target rate ").append(escape(title)).append("</h2>\n");
            if (runs.stream().anyMatch(RunResult::endToEndMeasured)) {
                files.add(save(latencyChart("End-to-end latency (send → consumer), " + title, runs,
                        RunResult::e2eIntended, name), dir, "e2e-latency-" + label + ".png", charts));
            }
            files.add(save(latencyChart("Publish latency (send → broker ack), " + title, runs,
                    RunResult::publishIntended, name), dir, "publish-latency-" + label + ".png", charts));
            files.add(save(throughputChart("Acknowledged messages per second, " + title, runs, name, warmupSeconds(report)),
                    dir, "throughput-" + label + ".png", charts));
        }
        List<Long> fixedRates = rates.stream().filter(r -> r > 0).toList();
        if (fixedRates.size() > 1 && report.runs().stream().anyMatch(RunResult::endToEndMeasured)) {
            charts.append("<h2>Rate sweep</h2>\n");
            files.add(save(sweepChart(report, name), dir, "e2e-p99-by-rate.png", charts));
        }
        Path html = dir.resolve("report.html");
        Files.writeString(html, page(report, charts.toString(), name));
        files.add(html);
        return files;
    }

    private static Path save(XYChart chart, Path dir, String name, StringBuilder html) throws IOException {
        Path file = dir.resolve(name);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        html.append("<p><img src=\"").append(name).append("\" alt=\"").append(escape(chart.getTitle())).append("\"></p>\n");
        return file;
    }

    /** Latency (ms, log scale) against percentile, the percentile axis stretched as log10(1 / (1 - p)). */
    private static XYChart latencyChart(String title, List<RunResult> runs, Function<RunResult, Histogram> which,
                                        Function<RunResult, String> name) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("percentile in nines: 1 = 90%, 2 = 99%, 3 = 99.9%, 4 = 99.99%").yAxisTitle("ms (log)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        for (RunResult r : runs) {
            Histogram h = which.apply(r);
            if (h.getTotalCount() == 0) {
                continue;
            }
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (HistogramIterationValue v : h.percentiles(5)) {
                double p = v.getPercentileLevelIteratedTo();
                if (p >= 100) {
                    break;
                }
                x.add(Math.log10(1 / (1 - p / 100)));
                y.add(Math.max(0.001, v.getValueIteratedTo() / 1000.0));
            }
            x.add(x.isEmpty() ? 1 : Math.ceil(x.get(x.size() - 1) + 0.5));
            y.add(Math.max(0.001, h.getMaxValue() / 1000.0));
            chart.addSeries(name.apply(r), x, y).setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /** End-to-end p99 (intended) against target rate, one series per target: where each broker stops coping. */
    private static XYChart sweepChart(Report report, Function<RunResult, String> name) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("End-to-end p99 by target rate")
                .xAxisTitle("target rate (msg/s)").yAxisTitle("e2e p99, ms (log)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        Map<String, List<RunResult>> byTarget = new LinkedHashMap<>();
        report.runs().stream().filter(r -> r.targetRate() > 0 && r.status() != RunResult.Status.FAILED
                        && r.e2eIntended().getTotalCount() > 0)
                .forEach(r -> byTarget.computeIfAbsent(name.apply(r), t -> new ArrayList<>()).add(r));
        byTarget.forEach((target, runs) -> chart.addSeries(target,
                runs.stream().map(r -> (double) r.targetRate()).toList(),
                runs.stream().map(r -> Math.max(0.001, r.e2eIntended().getValueAtPercentile(99) / 1000.0)).toList()));
        return chart;
    }

    /**
     * One point per whole second of each run, and a vertical line where the warm-up ends: the seconds left of it are
     * not measured.
     */
    static XYChart throughputChart(String title, List<RunResult> runs, Function<RunResult, String> name,
                                   double warmupSeconds) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("seconds since start (left of the line: warm-up, not measured)").yAxisTitle("msg/s (log)").build();
        chart.getStyler().setMarkerSize(3);
        chart.getStyler().setYAxisLogarithmic(true);
        double top = 1;
        for (RunResult r : runs) {
            if (r.timeline().isEmpty()) {
                continue;
            }
            List<Double> rates = r.timeline().stream().map(t -> Math.max(1, t.publishRate())).toList();
            top = Math.max(top, rates.stream().mapToDouble(Double::doubleValue).max().orElse(1));
            chart.addSeries(name.apply(r), r.timeline().stream().map(RunResult.Sample::second).toList(), rates);
        }
        if (warmupSeconds > 0 && !chart.getSeriesMap().isEmpty()) {
            chart.addSeries(WARMUP_END, List.of(warmupSeconds, warmupSeconds), List.of(1.0, top))
                    .setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /** The warm-up of the report's workload, in seconds (0 when it has none). */
    private static double warmupSeconds(Report report) {
        Object warmup = report.workload().get("warmup");
        return warmup == null ? 0 : ConfigDef.parseDuration(warmup.toString()).toMillis() / 1000.0;
    }

    private static String page(Report report, String charts, Function<RunResult, String> name) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Polybus benchmark</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}"
                + "td:first-child,td:nth-child(2){text-align:left}</style></head><body>\n");
        sb.append("<h1>Polybus benchmark</h1>\n<p>").append(escape(report.started())).append("<br><code>")
                .append(escape(report.command())).append("</code></p>\n");
        sb.append(markdownToHtml(MarkdownTable.render(report)));
        sb.append(charts);
        sb.append("<h2>Workload</h2>\n").append(table(flatten(report.workload())));
        sb.append("<h2>Environment</h2>\n").append(table(report.environment()));
        for (RunResult r : report.runs()) {
            sb.append("<h2>").append(escape(name.apply(r) + " @ " + MarkdownTable.rate(r.targetRate()))).append("</h2>\n");
            sb.append(table(r.provenance()));
        }
        return sb.append("</body></html>\n").toString();
    }

    private static Map<String, String> flatten(Map<String, Object> map) {
        Map<String, String> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    private static String table(Map<String, String> rows) {
        StringBuilder sb = new StringBuilder("<table>\n");
        rows.forEach((k, v) -> sb.append("<tr><td>").append(escape(k)).append("</td><td>").append(escape(v)).append("</td></tr>\n"));
        return sb.append("</table>\n").toString();
    }

    /** The Markdown table as an HTML table, notes as paragraphs. */
    private static String markdownToHtml(String markdown) {
        StringBuilder sb = new StringBuilder("<table>\n");
        boolean header = true;
        StringBuilder after = new StringBuilder();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("|---")) {
                continue;
            }
            if (line.startsWith("|")) {
                String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
                sb.append("<tr>");
                for (String c : cells) {
                    sb.append(header ? "<th>" : "<td>").append(escape(c.trim())).append(header ? "</th>" : "</td>");
                }
                sb.append("</tr>\n");
                header = false;
            } else if (!line.isBlank()) {
                after.append("<p>").append(escape(line)).append("</p>\n");
            }
        }
        return sb.append("</table>\n").append(after).toString();
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
