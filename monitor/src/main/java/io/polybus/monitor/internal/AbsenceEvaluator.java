package io.polybus.monitor.internal;

import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Silence for {@code for} fires; the next matching event resolves. Without {@code group-by} it watches the
 * whole stream, from the monitor's start; with it, every value seen or listed in {@code expected}.
 */
final class AbsenceEvaluator extends RuleEvaluator {

    private final Duration silence;
    private final int maxGroups;
    private final Map<String, State> groups = new HashMap<>();

    private static final class State implements Serializable {
        private static final long serialVersionUID = 1;
        final ArrayDeque<JsonEvent> recent = new ArrayDeque<>();
        long lastSeen;
        long firedAt = -1;

        State(long lastSeen) {
            this.lastSeen = lastSeen;
        }
    }

    AbsenceEvaluator(MonitorConfig.Rule.Absence rule, int samples, long startMillis) {
        super(rule, "absence", samples);
        this.silence = rule.silence();
        this.maxGroups = rule.maxGroups();
        if (rule.groupBy() == null) {
            groups.put("", new State(startMillis));
        }
        rule.expected().forEach(value -> groups.put(value, new State(startMillis)));
    }

    @Override
    void matched(JsonEvent event, long at, long now, String group, Consumer<Alert> sink) {
        String key = group == null ? "" : group;
        State s = groups.get(key);
        if (s == null) {
            if (atCapacity(groups, maxGroups)) {
                return;
            }
            s = new State(now);
            groups.put(key, s);
        }
        long previous = s.lastSeen;
        s.lastSeen = Math.max(s.lastSeen, now); // a replayed backlog's clock is behind the monitor's start
        remember(s.recent, event);
        if (s.firedAt >= 0) {
            sink.accept(alert(Alert.Status.RESOLVED, group, 0, null, silence, s.firedAt, now,
                    subject(group) + ": events again after " + ConfigDef.formatDuration(Duration.ofMillis(now - previous))
                            + " of silence", s.recent));
            s.firedAt = -1;
        }
    }

    @Override
    Serializable state() {
        return new HashMap<>(groups);
    }

    @Override
    @SuppressWarnings("unchecked")
    void restore(Serializable state) {
        groups.clear();
        groups.putAll((Map<String, State>) state);
    }

    @Override
    public void tick(long now, Consumer<Alert> sink) {
        groups.forEach((key, s) -> {
            if (s.firedAt < 0 && now - s.lastSeen >= silence.toMillis()) {
                s.firedAt = now;
                String group = groupByText == null ? null : key;
                sink.accept(alert(Alert.Status.FIRING, group, 0, null, silence, now, now,
                        subject(group) + ": no events for " + ConfigDef.formatDuration(silence) + " (last at "
                                + Instant.ofEpochMilli(s.lastSeen) + ")", s.recent));
            }
        });
    }

    @Override
    public int firing() {
        int n = 0;
        for (State s : groups.values()) {
            if (s.firedAt >= 0) {
                n++;
            }
        }
        return n;
    }
}
