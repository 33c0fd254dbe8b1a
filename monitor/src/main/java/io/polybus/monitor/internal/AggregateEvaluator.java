package io.polybus.monitor.internal;

import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.MonitorConfig;
import io.polybus.monitor.MonitorConfig.Aggregation;
import io.polybus.spi.ConfigDef;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.PackedHistogram;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * avg, min, max, sum or a percentile of a numeric field over a sliding window, above or below a limit. The window
 * is cut into 60 steps, each keeping the count, sum, min and max of its values, merged when the rule is judged. For
 * a percentile each step also keeps an HdrHistogram of its values (2 significant digits: within 1%, in memory that
 * grows with the spread of the values, not their number), and the group one of its whole window: a value is recorded
 * in both, and a step leaving the window is subtracted from it, so judging reads one histogram instead of merging 60.
 */
final class AggregateEvaluator extends WindowedEvaluator<AggregateEvaluator.State> {
    private static final int STEPS = 60;
    /** Percentiles are recorded in millionths: 1 µs of a field in seconds, with 2 significant digits from there. */
    private static final double SCALE = 1_000_000;
    private static final long LARGEST = Long.MAX_VALUE / 4;
    private static final int DIGITS = 2;

    private final FieldPath field;
    private final Aggregation function;
    private final boolean above;
    private final double limit;
    private final long minCount;
    private final long bucketMillis;
    private final boolean percentile;

    static final class State extends WindowedEvaluator.Group {
        final long[] bucketOf = new long[STEPS];
        final long[] counts = new long[STEPS];
        final double[] sums = new double[STEPS];
        final double[] mins = new double[STEPS];
        final double[] maxes = new double[STEPS];
        /** Each step's values, and the sum of those in the window; null unless the function is a percentile. */
        final Histogram[] histograms;
        final Histogram window;

        State(long since, boolean percentile) {
            super(since);
            Arrays.fill(bucketOf, Long.MIN_VALUE);
            histograms = percentile ? new Histogram[STEPS] : null;
            window = percentile ? new PackedHistogram(DIGITS) : null;
        }
    }

    AggregateEvaluator(MonitorConfig.Rule.Aggregate rule, int samples, long startMillis) {
        super(rule, "aggregate", samples, rule.window(), rule.resolveAfter(), rule.maxGroups());
        this.field = rule.field();
        this.function = rule.function();
        this.above = rule.comparison() == MonitorConfig.Comparison.ABOVE;
        this.limit = rule.limit();
        this.minCount = rule.minCount();
        this.bucketMillis = Math.max(1, windowMillis / STEPS);
        this.percentile = function.percentile() > 0;
        watchFromStart(startMillis, List.of());
    }

    @Override
    State newGroup(long since) {
        return new State(since, percentile);
    }

    @Override
    String stateKey() {
        return super.stateKey() + "/" + function;
    }

    @Override
    boolean add(State s, JsonEvent event, long now) {
        double v = numberOf(event.get(field));
        if (Double.isNaN(v)) {
            return false;
        }
        long bucket = Math.floorDiv(now, bucketMillis);
        int slot = (int) Math.floorMod(bucket, STEPS);
        if (s.bucketOf[slot] > bucket) {
            return false; // older than the window: its slot holds a later step already
        }
        if (s.bucketOf[slot] != bucket) {
            expire(s, bucket);
            s.bucketOf[slot] = bucket;
            s.counts[slot] = 0;
            s.sums[slot] = 0;
            s.mins[slot] = Double.POSITIVE_INFINITY;
            s.maxes[slot] = Double.NEGATIVE_INFINITY;
        }
        s.counts[slot]++;
        s.sums[slot] += v;
        s.mins[slot] = Math.min(s.mins[slot], v);
        s.maxes[slot] = Math.max(s.maxes[slot], v);
        if (s.histograms != null) {
            if (s.histograms[slot] == null) {
                s.histograms[slot] = new PackedHistogram(DIGITS);
            }
            long scaled = v <= 0 ? 0 : (long) Math.min(v * SCALE, LARGEST);
            s.histograms[slot].recordValue(scaled);
            s.window.recordValue(scaled);
        }
        return true;
    }

    /** A finite number, or a string that is one; NaN for anything else (not measured). */
    private static double numberOf(Object value) {
        double d = Double.NaN;
        if (value instanceof Number n) {
            d = n.doubleValue();
        } else if (value instanceof String text && !text.isEmpty()) {
            try {
                d = Double.parseDouble(text);
            } catch (NumberFormatException notANumber) {
                return Double.NaN;
            }
        }
        return Double.isInfinite(d) ? Double.NaN : d;
    }

    /** Empties the steps that left the window ending in {@code current}, taking their values out of its histogram. */
    private static void expire(State s, long current) {
        long oldest = current - STEPS + 1;
        for (int i = 0; i < STEPS; i++) {
            if (s.bucketOf[i] != Long.MIN_VALUE && s.bucketOf[i] < oldest) {
                s.bucketOf[i] = Long.MIN_VALUE;
                s.counts[i] = 0;
                if (s.histograms != null && s.histograms[i] != null) {
                    s.window.subtract(s.histograms[i]);
                    s.histograms[i].reset();
                }
            }
        }
    }

    @Override
    boolean measure(State s, long now) {
        long current = Math.floorDiv(now, bucketMillis);
        expire(s, current);
        long count = 0;
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < STEPS; i++) {
            if (s.bucketOf[i] != Long.MIN_VALUE && s.counts[i] > 0) {
                count += s.counts[i];
                sum += s.sums[i];
                min = Math.min(min, s.mins[i]);
                max = Math.max(max, s.maxes[i]);
            }
        }
        s.count = count;
        if (count == 0) {
            s.value = 0;
            return false;
        }
        s.value = switch (function) {
            case AVG -> sum / count;
            case MIN -> min;
            case MAX -> max;
            case SUM -> sum;
            default -> s.window.getValueAtPercentile(function.percentile()) / SCALE;
        };
        return count >= minCount && (above ? s.value > limit : s.value < limit);
    }

    @Override
    boolean worse(double a, double b) {
        return above ? a > b : a < b;
    }

    @Override
    boolean idle(State s, long now) {
        return s.count == 0;
    }

    @Override
    double limit() {
        return limit;
    }

    @Override
    String firingText(State s) {
        return what() + " is " + number(s.value) + " over " + s.count + " values in " + ConfigDef.formatDuration(window)
                + " (" + (above ? "above " : "below ") + number(limit) + ")";
    }

    @Override
    String resolvedText(State s) {
        return what() + " back to " + number(s.value) + " in " + ConfigDef.formatDuration(window) + " (worst "
                + number(s.worst) + ", limit " + number(limit) + ")";
    }

    private String what() {
        return function.name().toLowerCase(Locale.ROOT) + " of " + field;
    }
}
