package io.polybus.monitor.internal;

import io.polybus.events.JsonEvent;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

/**
 * Fewer than {@code below} matching events in a sliding window, once a whole window has been watched: the rate of a
 * stream falling, where {@code absence} waits for it to stop. Without {@code group-by} the stream is watched from the
 * monitor's start; with it, every value seen or listed in {@code expected}, as long as the monitor runs.
 */
final class FlatlineEvaluator extends WindowedEvaluator<FlatlineEvaluator.State> {
    private static final int STEPS = 60;

    private final long below;

    static final class State extends WindowedEvaluator.Group {
        final WindowCounter counter;

        State(long since, long windowMillis) {
            super(since);
            counter = new WindowCounter(windowMillis, STEPS);
        }
    }

    FlatlineEvaluator(MonitorConfig.Rule.Flatline rule, int samples, long startMillis) {
        super(rule, "flatline", samples, rule.window(), rule.resolveAfter(), rule.maxGroups());
        this.below = rule.below();
        watchFromStart(startMillis, rule.expected());
    }

    @Override
    State newGroup(long since) {
        return new State(since, windowMillis);
    }

    @Override
    boolean add(State s, JsonEvent event, long now) {
        s.counter.add(now);
        return true;
    }

    @Override
    boolean measure(State s, long now) {
        s.count = s.counter.count(now);
        s.value = s.count;
        return now - s.since >= windowMillis && s.count < below;
    }

    @Override
    boolean worse(double a, double b) {
        return a < b;
    }

    @Override
    boolean idle(State s, long now) {
        // a value that went quiet is what a flatline is for: watched while the monitor runs, up to max-groups
        return false;
    }

    @Override
    double limit() {
        return below;
    }

    @Override
    String firingText(State s) {
        return "only " + s.count + " events in " + ConfigDef.formatDuration(window) + " (fewer than " + below + ")";
    }

    @Override
    String resolvedText(State s) {
        return "back to " + s.count + " events in " + ConfigDef.formatDuration(window) + " (lowest " + number(s.worst)
                + ", limit " + below + ")";
    }
}
