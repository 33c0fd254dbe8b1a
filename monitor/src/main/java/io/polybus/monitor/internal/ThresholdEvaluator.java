package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;

/** More than {@code above} matching events in the window, per group. */
final class ThresholdEvaluator extends RuleEvaluator {
    private static final int SLIDING_STEPS = 60;

    private final Duration window;
    private final long windowMillis;
    private final int steps;
    private final long above;
    private final long resolveAfterMillis;
    private final int maxGroups;
    private final Map<String, State> groups = new HashMap<>();

    private static final class State {
        final WindowCounter counter;
        final ArrayDeque<JsonNode> recent = new ArrayDeque<>();
        boolean firing;
        long firedAt;
        long peak;
        long clearSince = -1;

        State(WindowCounter counter) {
            this.counter = counter;
        }
    }

    ThresholdEvaluator(MonitorConfig.Rule.Threshold rule, int samples) {
        super(rule, "threshold", samples);
        this.window = rule.window();
        this.windowMillis = rule.window().toMillis();
        this.steps = rule.windowType() == MonitorConfig.WindowType.SLIDING ? SLIDING_STEPS : 1;
        this.above = rule.above();
        this.resolveAfterMillis = rule.resolveAfter().toMillis();
        this.maxGroups = rule.maxGroups();
    }

    @Override
    void matched(JsonEvent event, long now, String group, Consumer<Alert> sink) {
        String key = group == null ? "" : group;
        State s = groups.get(key);
        if (s == null) {
            if (atCapacity(groups, maxGroups)) {
                return;
            }
            s = new State(new WindowCounter(windowMillis, steps));
            groups.put(key, s);
        }
        s.counter.add(now);
        remember(s.recent, event.json());
        evaluate(s, group, now, s.counter.count(now), sink);
    }

    @Override
    public void tick(long now, Consumer<Alert> sink) {
        Iterator<Map.Entry<String, State>> it = groups.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, State> e = it.next();
            State s = e.getValue();
            long count = s.counter.count(now);
            evaluate(s, groupByText == null ? null : e.getKey(), now, count, sink);
            if (!s.firing && count == 0) {
                it.remove();
            }
        }
    }

    private void evaluate(State s, String group, long now, long count, Consumer<Alert> sink) {
        if (count > above) {
            s.clearSince = -1;
            if (!s.firing) {
                s.firing = true;
                s.firedAt = now;
                s.peak = count;
                sink.accept(alert(Alert.Status.FIRING, group, count, above, window, now, now,
                        subject(group) + ": " + count + " events in " + ConfigDef.formatDuration(window) + " (more than " + above + ")",
                        s.recent));
            } else {
                s.peak = Math.max(s.peak, count);
            }
        } else if (s.firing) {
            if (s.clearSince < 0) {
                s.clearSince = now;
            }
            if (now - s.clearSince >= resolveAfterMillis) {
                s.firing = false;
                s.clearSince = -1;
                sink.accept(alert(Alert.Status.RESOLVED, group, s.peak, above, window, s.firedAt, now,
                        subject(group) + ": back to " + count + " events in " + ConfigDef.formatDuration(window)
                                + " (peak " + s.peak + ", threshold " + above + ")", s.recent));
                s.recent.clear();
            }
        }
    }

    @Override
    public int firing() {
        int n = 0;
        for (State s : groups.values()) {
            if (s.firing) {
                n++;
            }
        }
        return n;
    }
}
