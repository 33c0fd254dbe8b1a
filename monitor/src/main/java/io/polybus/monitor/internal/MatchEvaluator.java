package io.polybus.monitor.internal;

import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;

/** Any matching event fires; quiet for {@code resolve-after} resolves. Per group. */
final class MatchEvaluator extends RuleEvaluator {

    private final Duration resolveAfter;
    private final int maxGroups;
    private final Map<String, State> groups = new HashMap<>();

    private static final class State implements Serializable {
        private static final long serialVersionUID = 1;
        final ArrayDeque<JsonEvent> recent = new ArrayDeque<>();
        long firedAt;
        long lastMatch;
        long count;
    }

    MatchEvaluator(MonitorConfig.Rule.Match rule, int samples) {
        super(rule, "match", samples);
        this.resolveAfter = rule.resolveAfter();
        this.maxGroups = rule.maxGroups();
    }

    @Override
    void matched(JsonEvent event, long at, long now, String group, Consumer<Alert> sink) {
        String key = group == null ? "" : group;
        State s = groups.get(key);
        if (s == null) {
            if (atCapacity(groups, maxGroups)) {
                return;
            }
            s = new State();
            s.firedAt = now;
            groups.put(key, s);
            s.count = 1;
            s.lastMatch = now;
            remember(s.recent, event);
            sink.accept(alert(Alert.Status.FIRING, group, 1, null, resolveAfter, now, now,
                    subject(group) + ": matching event: " + abbreviate(event.json().path("message").asText()), s.recent));
            return;
        }
        s.count++;
        s.lastMatch = now;
        remember(s.recent, event);
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
        Iterator<Map.Entry<String, State>> it = groups.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, State> e = it.next();
            State s = e.getValue();
            if (now - s.lastMatch >= resolveAfter.toMillis()) {
                it.remove();
                String group = groupByText == null ? null : e.getKey();
                sink.accept(alert(Alert.Status.RESOLVED, group, s.count, null, resolveAfter, s.firedAt, now,
                        subject(group) + ": no matching event for " + ConfigDef.formatDuration(resolveAfter) + " (" + s.count
                                + " matched while firing)", s.recent));
            }
        }
    }

    @Override
    public int firing() {
        return groups.size();
    }

    private static String abbreviate(String text) {
        String line = text.lines().findFirst().orElse("");
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }
}
