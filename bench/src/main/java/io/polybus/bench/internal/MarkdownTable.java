package io.polybus.bench.internal;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The side-by-side table of a {@link Report} in Markdown: publish and consume throughput, publish and
 * end-to-end latency percentiles (from the intended send time, so free of coordinated omission), correctness
 * counts and, for Polybus runs, the ratio to the raw client on the same broker, rate and round. With several
 * rounds, a line per broker and rate gives the median ratios. Runs that did not pass are explained below it.
 */
public final class MarkdownTable {
    /** publish msg/s, MB/s, consume msg/s, four publish and four e2e percentiles, lost, dup, reord, ratio. */
    private static final int COLUMNS_AFTER_RATE = 15;

    private MarkdownTable() {
    }

    public static String render(Report report) {
        boolean rounds = report.runs().stream().anyMatch(r -> r.round() > 1);
        boolean separate = report.runs().stream().anyMatch(r -> !r.endToEndMeasured());
        StringBuilder sb = new StringBuilder();
        sb.append("| broker | client |").append(rounds ? " round |" : "").append(" target rate | publish msg/s | MB/s "
                + "| consume msg/s | publish p50 | p99 | p99.9 | max | e2e p50 | p99 | p99.9 | max | lost | dup | reord "
                + "| Polybus ÷ raw (rates: higher is better; p99: lower is better) |\n");
        sb.append("|---|---|").append(rounds ? "---:|" : "").append("---:|".repeat(COLUMNS_AFTER_RATE)).append("---|\n");
        List<String> notes = new ArrayList<>();
        for (RunResult r : report.runs()) {
            sb.append("| ").append(r.broker()).append(" | ").append(r.client());
            if (rounds) {
                sb.append(" | ").append(r.round());
            }
            sb.append(" | ").append(rate(r.targetRate()));
            if (r.status() == RunResult.Status.FAILED) {
                sb.append(" | failed").append(" | ".repeat(COLUMNS_AFTER_RATE - 1)).append("|\n");
            } else {
                sb.append(" | ").append(String.format(Locale.ROOT, "%,.0f", r.publishRate()))
                        .append(" | ").append(String.format(Locale.ROOT, "%.2f", r.publishMBps()))
                        .append(" | ").append(String.format(Locale.ROOT, "%,.0f", r.consumeRate()));
                percentiles(sb, r.publishIntended());
                percentiles(sb, r.e2eIntended());
                sb.append(" | ").append(r.lost()).append(" | ").append(r.duplicated())
                        .append(" | ").append(r.reordered() < 0 ? "n/a" : String.valueOf(r.reordered()))
                        .append(" | ").append(ratio(report, r)).append(" |\n");
            }
            if (!r.passed()) {
                notes.add("- " + r.target() + " @ " + rate(r.targetRate()) + (rounds ? ", round " + r.round() : "")
                        + ": " + r.status()
                        + (r.lost() > 0 ? " (" + r.lost() + " acknowledged messages never arrived)" : "")
                        + (r.sendErrors() > 0 ? " (" + r.sendErrors() + " send errors)" : "")
                        + (r.error() == null ? "" : ": " + r.error()));
            }
        }
        List<String> medians = report.comparisons().stream().filter(c -> c.rounds() > 1).map(MarkdownTable::medians).toList();
        if (!medians.isEmpty()) {
            sb.append('\n');
            medians.forEach(m -> sb.append(m).append('\n'));
        }
        sb.append("\nLatency in ms, measured from the intended send time (open loop, free of coordinated omission); ");
        if (separate) {
            sb.append("phases separate: the producers sent alone, then the consumers read everything; publish msg/s "
                    + "counts the acknowledged messages sent after the warm-up until the last acknowledgement, consume "
                    + "msg/s every delivery from the moment the consumers were subscribed again until the last one; "
                    + "end-to-end latency is not measured (-), as it would include the pause between the phases; ");
        } else {
            sb.append("publish msg/s counts the acknowledged messages sent after the warm-up until the last "
                    + "acknowledgement, consume msg/s their deliveries over all groups; ");
        }
        sb.append("lost, dup and reord are counted over all groups; reord counts messages received after a later one of "
                + "the same producer and key (n/a without keys: order is promised per key only); Polybus ÷ raw is the ");
        sb.append(separate ? "publish rate ratio and consume rate ratio (above 1×: Polybus is faster)"
                : "publish rate ratio (above 1×: Polybus is faster) and e2e p99 ratio (above 1×: Polybus is slower)");
        sb.append(" against the raw client on the same broker at the same rate").append(rounds ? " in the same round" : "")
                .append(".\n");
        report.notes().forEach(n -> notes.add("- " + n));
        if (!notes.isEmpty()) {
            sb.append('\n');
            notes.forEach(n -> sb.append(n).append('\n'));
        }
        return sb.toString();
    }

    /** One line: the median Polybus ÷ raw ratios of a broker and rate over its rounds, with their range. */
    private static String medians(Report.Comparison c) {
        StringBuilder sb = new StringBuilder("- ").append(c.broker()).append(" @ ").append(rate(c.targetRate()))
                .append(", Polybus ÷ raw over ").append(c.publish().size() == c.rounds() ? c.rounds() + " rounds"
                        : c.publish().size() + " of " + c.rounds() + " rounds")
                .append(": publish ").append(spread(c.publish()));
        if (!c.consume().isEmpty()) {
            sb.append(", consume ").append(spread(c.consume()));
        }
        return sb.toString();
    }

    private static String spread(List<Double> ratios) {
        return String.format(Locale.ROOT, "median %.2f× (%.2f×–%.2f×)", Report.Comparison.median(ratios),
                Collections.min(ratios), Collections.max(ratios));
    }

    static String rate(long rate) {
        return rate == 0 ? "max" : String.format(Locale.ROOT, "%,d/s", rate);
    }

    private static void percentiles(StringBuilder sb, Histogram h) {
        if (h.getTotalCount() == 0) {
            sb.append(" | - | - | - | -");
            return;
        }
        for (double p : new double[] {50, 99, 99.9}) {
            sb.append(" | ").append(millis(h.getValueAtPercentile(p)));
        }
        sb.append(" | ").append(millis(h.getMaxValue()));
    }

    static String millis(long micros) {
        return micros < 1_000 ? String.format(Locale.ROOT, "%.3f", micros / 1000.0)
                : micros < 10_000 ? String.format(Locale.ROOT, "%.2f", micros / 1000.0)
                : String.format(Locale.ROOT, "%,.0f", micros / 1000.0);
    }

    private static String ratio(Report report, RunResult r) {
        if (!Target.POLYBUS.equals(r.client())) {
            return "";
        }
        return report.rawBaseline(r).map(raw -> {
            String publish = "publish " + times(r.publishRate(), raw.publishRate());
            if (!r.endToEndMeasured()) {
                return publish + ", consume " + times(r.consumeRate(), raw.consumeRate());
            }
            return publish + ", e2e p99 " + times(r.e2eIntended().getValueAtPercentile(99), raw.e2eIntended().getValueAtPercentile(99));
        }).orElse("");
    }

    private static String times(double polybus, double raw) {
        return raw == 0 ? "-" : String.format(Locale.ROOT, "%.2f×", polybus / raw);
    }
}
