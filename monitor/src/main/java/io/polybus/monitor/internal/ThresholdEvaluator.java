package io.polybus.monitor.internal;

import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

import java.util.List;

/**
 * More than {@code above} matching events in the window, per group; judged on each event as well as on each tick.
 * Its notices carry the count (the peak on the resolved one) and {@code threshold}, as they always have.
 */
final class ThresholdEvaluator extends WindowedEvaluator<ThresholdEvaluator.State> {
    private static final int SLIDING_STEPS = 60;

    private final int steps;
    private final long above;

    static final class State extends WindowedEvaluator.Group {
        final WindowCounter counter;

        State(long since, WindowCounter counter) {
            super(since);
            this.counter = counter;
        }
    }

    ThresholdEvaluator(MonitorConfig.Rule.Threshold rule, int samples, long startMillis) {
        super(rule, "threshold", samples, rule.window(), rule.resolveAfter(), rule.maxGroups());
        this.steps = rule.windowType() == MonitorConfig.WindowType.SLIDING ? SLIDING_STEPS : 1;
        this.above = rule.above();
        watchFromStart(startMillis, List.of());
    }

    @Override
    State newGroup(long since) {
        return new State(since, new WindowCounter(windowMillis, steps));
    }

    @Override
    boolean add(State s, JsonEvent event, long now) {
        s.counter.add(now);
        return true;
    }

    @Override
    String stateKey() {
        return super.stateKey() + "/" + steps;
    }

    @Override
    boolean judgesEachEvent() {
        return true;
    }

    @Override
    boolean measure(State s, long now) {
        s.count = s.counter.count(now);
        s.value = s.count;
        return s.count > above;
    }

    @Override
    boolean worse(double a, double b) {
        return a > b;
    }

    @Override
    boolean idle(State s, long now) {
        return s.count == 0;
    }

    @Override
    double limit() {
        return above;
    }

    @Override
    Alert notice(Alert.Status status, String group, State s, long now, String text) {
        long count = status == Alert.Status.FIRING ? s.count : (long) s.worst;
        return alert(status, group, count, above, window, s.firedAt, now, subject(group) + ": " + text, s.recent);
    }

    @Override
    String firingText(State s) {
        return s.count + " events in " + ConfigDef.formatDuration(window) + " (more than " + above + ")";
    }

    @Override
    String resolvedText(State s) {
        return "back to " + s.count + " events in " + ConfigDef.formatDuration(window) + " (peak " + (long) s.worst
                + ", threshold " + above + ")";
    }
}
