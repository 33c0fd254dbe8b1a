package io.polybus.monitor.internal;

import io.polybus.events.JsonEvent;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

import java.util.List;

/**
 * The count of a sliding window against a reference, the previous window or a fixed baseline: more than
 * {@code factor} times it (up) or less than it divided by {@code factor} (down). Judged once the group has been
 * watched for the windows compared, so a half-watched window is not taken for a drop; a reference of 0 counts as 1.
 */
final class SpikeEvaluator extends WindowedEvaluator<SpikeEvaluator.State> {
    private static final int STEPS = 60;

    private final double factor;
    private final boolean up;
    private final boolean down;
    private final Long baseline;
    private final long minCount;
    private final long watchedMillis;

    static final class State extends WindowedEvaluator.Group {
        /** Two windows (this one and the previous), or one against a baseline. */
        final WindowCounter counter;
        long reference;
        boolean wentDown;

        State(long since, WindowCounter counter) {
            super(since);
            this.counter = counter;
        }
    }

    SpikeEvaluator(MonitorConfig.Rule.Spike rule, int samples, long startMillis) {
        super(rule, "spike", samples, rule.window(), rule.resolveAfter(), rule.maxGroups());
        this.factor = rule.factor();
        this.up = rule.direction() != MonitorConfig.Direction.DOWN;
        this.down = rule.direction() != MonitorConfig.Direction.UP;
        this.baseline = rule.baseline();
        this.minCount = rule.minCount();
        this.watchedMillis = baseline == null ? 2 * windowMillis : windowMillis;
        watchFromStart(startMillis, List.of());
    }

    @Override
    State newGroup(long since) {
        return new State(since, baseline == null ? new WindowCounter(2 * windowMillis, 2 * STEPS)
                : new WindowCounter(windowMillis, STEPS));
    }

    @Override
    boolean add(State s, JsonEvent event, long now) {
        s.counter.add(now);
        return true;
    }

    @Override
    boolean measure(State s, long now) {
        long current = s.counter.count(now, STEPS);
        long reference = baseline != null ? baseline : s.counter.count(now) - current;
        s.count = current;
        s.reference = reference;
        double rise = (double) current / Math.max(1, reference);
        double fall = (double) reference / Math.max(1, current);
        if (now - s.since < watchedMillis) {
            s.value = up ? rise : fall;
            return false;
        }
        boolean spiked = up && current >= minCount && current > factor * reference;
        boolean dropped = down && reference >= minCount && current * factor < reference;
        if (!s.firing) {
            s.wentDown = dropped && !spiked;
        }
        s.value = s.wentDown ? fall : rise;
        return s.wentDown ? dropped : spiked;
    }

    @Override
    boolean worse(double a, double b) {
        return a > b;
    }

    @Override
    boolean idle(State s, long now) {
        return s.counter.count(now) == 0;
    }

    @Override
    double limit() {
        return factor;
    }

    @Override
    String firingText(State s) {
        return s.count + " events in " + ConfigDef.formatDuration(window) + ", " + number(s.value) + "x "
                + (s.wentDown ? "fewer than " : "") + reference(s) + " (factor " + number(factor) + ")";
    }

    @Override
    String resolvedText(State s) {
        return "back to " + s.count + " events in " + ConfigDef.formatDuration(window) + " against " + reference(s)
                + " (worst " + number(s.worst) + "x " + (s.wentDown ? "down" : "up") + ", factor " + number(factor) + ")";
    }

    private String reference(State s) {
        return (baseline == null ? "the previous window's " : "the baseline's ") + s.reference;
    }
}
