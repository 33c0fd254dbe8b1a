package io.polybus.monitor.internal;

import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A rule that measures a value of its window per group ({@code threshold}, {@code ratio}, {@code spike},
 * {@code aggregate}, {@code cardinality}, {@code flatline}) and judges it on every tick: it fires when the value
 * crosses its limit, and resolves, with the worst value seen while firing, once the value has stayed on the good side
 * for {@code resolve-after}. An event only updates its group's window, so its cost does not depend on what the value
 * takes to compute; a threshold, whose count is cheap, is also judged on each event. Not thread-safe.
 *
 * @param <S> a group's state: its window and what the subclass keeps
 */
abstract class WindowedEvaluator<S extends WindowedEvaluator.Group> extends RuleEvaluator {
    final Duration window;
    final long windowMillis;
    private final long resolveAfterMillis;
    private final int maxGroups;
    private final Map<String, S> groups = new HashMap<>();

    /** A group's alert state; {@link #measure} sets {@link #value} and {@link #count}. */
    abstract static class Group implements Serializable {
        private static final long serialVersionUID = 1;
        final ArrayDeque<JsonEvent> recent = new ArrayDeque<>();
        /** When the group began to be watched: a window that started before is not whole. */
        final long since;
        double value;
        long count;
        boolean firing;
        long firedAt;
        double worst;
        long clearSince = -1;

        Group(long since) {
            this.since = since;
        }
    }

    WindowedEvaluator(MonitorConfig.Rule rule, String type, int samples, Duration window, Duration resolveAfter,
                      int maxGroups) {
        super(rule, type, samples);
        this.window = window;
        this.windowMillis = window.toMillis();
        this.resolveAfterMillis = resolveAfter.toMillis();
        this.maxGroups = maxGroups;
    }

    /** A new group's state, watched from {@code since}. */
    abstract S newGroup(long since);

    /**
     * Counts a matching event in its group's window at its time {@code at} (up to the allowed lateness before the
     * latest); returns whether it counted (the event is then a sample).
     */
    abstract boolean add(S s, JsonEvent event, long at);

    /** Sets the group's {@code value} and {@code count} for the window ending {@code now}; returns whether it is bad. */
    abstract boolean measure(S s, long now);

    /** Whether the value {@code a} is worse than {@code b} (further on the bad side). */
    abstract boolean worse(double a, double b);

    /** Whether each matching event is judged at once, not only at the next tick. */
    boolean judgesEachEvent() {
        return false;
    }

    /**
     * Whether a group of a {@code group-by} value that is not firing can be forgotten: nothing left in its window.
     * Without {@code group-by} the one group is watched from the monitor's start and never forgotten.
     */
    abstract boolean idle(S s, long now);

    /** The limit the value is judged against, for the notices. */
    abstract double limit();

    /** What the firing notice says after the rule's subject, e.g. {@code 7.5% of 200 events are 5xx in 1m}. */
    abstract String firingText(S s);

    /** What the resolved notice says after the rule's subject. */
    abstract String resolvedText(S s);

    /**
     * Starts watching, from the monitor's start: the one group of a rule without {@code group-by}, else the values
     * listed in {@code expected}. Called by a subclass once its fields are set.
     */
    final void watchFromStart(long startMillis, List<String> expected) {
        if (groupByText == null) {
            groups.put("", newGroup(startMillis));
        }
        expected.forEach(value -> groups.put(value, newGroup(startMillis)));
    }

    @Override
    final void matched(JsonEvent event, long at, long now, String group, Consumer<Alert> sink) {
        S s = group(group, now);
        if (s != null && add(s, event, at)) {
            remember(s.recent, event);
            if (judgesEachEvent()) {
                evaluate(s, group, now, measure(s, now), sink);
            }
        }
    }

    /** The state of {@code group}, made when new; null when {@code max-groups} are tracked already. */
    final S group(String group, long now) {
        String key = group == null ? "" : group;
        S s = groups.get(key);
        if (s == null) {
            if (atCapacity(groups, maxGroups)) {
                return null;
            }
            s = newGroup(now);
            groups.put(key, s);
        }
        return s;
    }

    @Override
    public final void tick(long now, Consumer<Alert> sink) {
        Iterator<Map.Entry<String, S>> it = groups.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, S> e = it.next();
            S s = e.getValue();
            evaluate(s, groupByText == null ? null : e.getKey(), now, measure(s, now), sink);
            if (!s.firing && groupByText != null && idle(s, now)) {
                it.remove();
            }
        }
    }

    private void evaluate(S s, String group, long now, boolean bad, Consumer<Alert> sink) {
        if (bad) {
            s.clearSince = -1;
            if (!s.firing) {
                s.firing = true;
                s.firedAt = now;
                s.worst = s.value;
                sink.accept(notice(Alert.Status.FIRING, group, s, now, firingText(s)));
            } else if (worse(s.value, s.worst)) {
                s.worst = s.value;
            }
        } else if (s.firing) {
            if (s.clearSince < 0) {
                s.clearSince = now;
            }
            if (now - s.clearSince >= resolveAfterMillis) {
                s.firing = false;
                s.clearSince = -1;
                sink.accept(notice(Alert.Status.RESOLVED, group, s, now, resolvedText(s)));
                s.recent.clear();
            }
        }
    }

    /** A notice of the group: its value when it fires, the worst while firing when it resolves, and the limit. */
    Alert notice(Alert.Status status, String group, S s, long now, String text) {
        double shown = status == Alert.Status.FIRING ? s.value : s.worst;
        return alert(status, group, s.count, null, window, s.firedAt, now, subject(group) + ": " + text, s.recent,
                shown, limit());
    }

    @Override
    final Serializable state() {
        return new HashMap<>(groups);
    }

    @Override
    @SuppressWarnings("unchecked")
    final void restore(Serializable state) {
        groups.clear();
        groups.putAll((Map<String, S>) state);
    }

    @Override
    String stateKey() {
        return type + "/" + windowMillis;
    }

    @Override
    public final int firing() {
        int n = 0;
        for (S s : groups.values()) {
            if (s.firing) {
                n++;
            }
        }
        return n;
    }

    /** A number for people: whole numbers without a fraction, others with up to 3 decimals. */
    static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.3f", d).replaceAll("0+$", "");
    }
}
