package io.polybus.monitor.internal;

import io.polybus.events.Condition;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

import java.util.List;

/**
 * The share of events meeting {@code where} among all (of those meeting {@code of}) in a sliding window is above a
 * fraction, once the window holds {@code min-count} events. Per group; sees every event, matching or not.
 */
final class RatioEvaluator extends WindowedEvaluator<RatioEvaluator.State> {
    private static final int STEPS = 60;

    private final Condition of;
    private final double above;
    private final long minCount;

    static final class State extends WindowedEvaluator.Group {
        final WindowCounter all;
        final WindowCounter matching;

        State(long since, long windowMillis) {
            super(since);
            all = new WindowCounter(windowMillis, STEPS);
            matching = new WindowCounter(windowMillis, STEPS);
        }
    }

    RatioEvaluator(MonitorConfig.Rule.Ratio rule, int samples, long startMillis) {
        super(rule, "ratio", samples, rule.window(), rule.resolveAfter(), rule.maxGroups());
        this.of = rule.of();
        this.above = rule.above();
        this.minCount = rule.minCount();
        watchFromStart(startMillis, List.of());
    }

    @Override
    State newGroup(long since) {
        return new State(since, windowMillis);
    }

    @Override
    boolean seesUnmatched() {
        return true;
    }

    @Override
    void unmatched(JsonEvent event, long now, String group) {
        if (of.test(event)) {
            State s = group(group, now);
            if (s != null) {
                s.all.add(now);
            }
        }
    }

    @Override
    boolean add(State s, JsonEvent event, long now) {
        if (!of.test(event)) {
            return false;
        }
        s.all.add(now);
        s.matching.add(now);
        return true;
    }

    @Override
    boolean measure(State s, long now) {
        s.count = s.all.count(now);
        s.value = s.count == 0 ? 0 : (double) s.matching.count(now) / s.count;
        return s.count >= minCount && s.value > above;
    }

    @Override
    boolean worse(double a, double b) {
        return a > b;
    }

    @Override
    boolean idle(State s, long now) {
        return s.all.count(now) == 0;
    }

    @Override
    double limit() {
        return above;
    }

    @Override
    String firingText(State s) {
        return percent(s.value) + " of " + s.count + " events in " + ConfigDef.formatDuration(window) + " match (more than "
                + percent(above) + ")";
    }

    @Override
    String resolvedText(State s) {
        return "back to " + percent(s.value) + " of " + s.count + " events in " + ConfigDef.formatDuration(window)
                + " (peak " + percent(s.worst) + ", limit " + percent(above) + ")";
    }

    private static String percent(double fraction) {
        return number(Math.round(fraction * 10_000) / 100.0) + "%";
    }
}
