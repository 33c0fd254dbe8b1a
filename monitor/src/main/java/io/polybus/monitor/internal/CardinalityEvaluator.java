package io.polybus.monitor.internal;

import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Distinct values of a field in a sliding window, above or below a limit. Counted exactly: each value with when it
 * was last seen, least recently seen first, up to {@code max-values} per group. As {@code max-values} exceeds the
 * limit, a full group is over it whatever was forgotten, so the alert decision stays exact; an estimate (a
 * HyperLogLog) would save memory only for counts far past any limit worth alerting on. A group below its limit is
 * judged once a whole window has been watched.
 */
final class CardinalityEvaluator extends WindowedEvaluator<CardinalityEvaluator.State> {
    private final FieldPath field;
    private final boolean above;
    private final long limit;
    private final int maxValues;
    private long evictions;

    static final class State extends WindowedEvaluator.Group {
        /** Value to when it was last seen, least recently seen first. */
        final LinkedHashMap<String, long[]> lastSeen = new LinkedHashMap<>(16, 0.75f, true);

        State(long since) {
            super(since);
        }
    }

    CardinalityEvaluator(MonitorConfig.Rule.Cardinality rule, int samples, long startMillis) {
        super(rule, "cardinality", samples, rule.window(), rule.resolveAfter(), rule.maxGroups());
        this.field = rule.field();
        this.above = rule.comparison() == MonitorConfig.Comparison.ABOVE;
        this.limit = rule.limit();
        this.maxValues = rule.maxValues();
        watchFromStart(startMillis, List.of());
    }

    @Override
    State newGroup(long since) {
        return new State(since);
    }

    @Override
    boolean add(State s, JsonEvent event, long now) {
        String value = text(event.get(field));
        if (value == null) {
            return false;
        }
        long[] seen = s.lastSeen.get(value);
        if (seen != null) {
            seen[0] = Math.max(seen[0], now);
            return true;
        }
        if (s.lastSeen.size() >= maxValues) {
            expire(s, now);
            if (s.lastSeen.size() >= maxValues) {
                Iterator<long[]> eldest = s.lastSeen.values().iterator();
                eldest.next();
                eldest.remove();
                evictions++;
            }
        }
        s.lastSeen.put(value, new long[] {now});
        return true;
    }

    private void expire(State s, long now) {
        Iterator<Map.Entry<String, long[]>> it = s.lastSeen.entrySet().iterator();
        while (it.hasNext() && now - it.next().getValue()[0] >= windowMillis) {
            it.remove();
        }
    }

    @Override
    boolean measure(State s, long now) {
        expire(s, now);
        s.count = s.lastSeen.size();
        s.value = s.count;
        return above ? s.count > limit : now - s.since >= windowMillis && s.count < limit;
    }

    @Override
    boolean worse(double a, double b) {
        return above ? a > b : a < b;
    }

    @Override
    boolean idle(State s, long now) {
        return s.lastSeen.isEmpty();
    }

    @Override
    double limit() {
        return limit;
    }

    @Override
    public long evictions() {
        return evictions;
    }

    @Override
    String firingText(State s) {
        return s.count + (s.count >= maxValues ? " or more" : "") + " distinct " + field + " in "
                + ConfigDef.formatDuration(window) + " (" + (above ? "more than " : "fewer than ") + limit + ")";
    }

    @Override
    String resolvedText(State s) {
        return "back to " + s.count + " distinct " + field + " in " + ConfigDef.formatDuration(window) + " (worst "
                + number(s.worst) + ", limit " + limit + ")";
    }
}
