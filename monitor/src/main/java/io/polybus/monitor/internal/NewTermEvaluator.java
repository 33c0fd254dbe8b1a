package io.polybus.monitor.internal;

import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import io.polybus.spi.ConfigDef;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A value of a field not seen (in its group) within {@code remember} fires, as a match does: one notice for the first
 * new value, the following ones counted, resolved after {@code resolve-after} without one. The values known are kept
 * with when each was last seen, least recently seen first, at most {@code max-terms} for the whole rule; past it the
 * least recently seen are forgotten and counted ({@link #evictions()}). Values seen in the first {@code learn-for}
 * after the start are learnt without firing.
 */
final class NewTermEvaluator extends RuleEvaluator {
    private final FieldPath field;
    private final long rememberMillis;
    private long learnUntil;
    private final int maxTerms;
    private final Duration resolveAfter;
    private final int maxGroups;
    /** Each (group, value) known to when it was last seen, least recently seen first. */
    private final LinkedHashMap<Term, long[]> known = new LinkedHashMap<>(1024, 0.75f, true);
    /** Looks a term up without making a key per event; a new term gets a key of its own. */
    private final Term probe = new Term();
    private final Map<String, State> firing = new HashMap<>();
    private long evictions;

    /** A value of the field in a group ("" without group-by). Immutable once in {@link #known}. */
    private static final class Term implements Serializable {
        private static final long serialVersionUID = 1;
        String group;
        String value;
        int hash;

        Term set(String group, String value) {
            this.group = group;
            this.value = value;
            this.hash = 31 * group.hashCode() + value.hashCode();
            return this;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Term t && t.hash == hash && t.value.equals(value) && t.group.equals(group);
        }
    }

    private static final class State implements Serializable {
        private static final long serialVersionUID = 1;
        final ArrayDeque<JsonEvent> recent = new ArrayDeque<>();
        long firedAt;
        long lastNew;
        long count;
    }

    NewTermEvaluator(MonitorConfig.Rule.NewTerm rule, int samples, long startMillis) {
        super(rule, "new-term", samples);
        this.field = rule.field();
        this.rememberMillis = rule.remember().toMillis();
        this.learnUntil = startMillis + rule.learnFor().toMillis();
        this.maxTerms = rule.maxTerms();
        this.resolveAfter = rule.resolveAfter();
        this.maxGroups = rule.maxGroups();
    }

    @Override
    void matched(JsonEvent event, long at, long now, String group, Consumer<Alert> sink) {
        String value = text(event.get(field));
        if (value == null) {
            return;
        }
        long[] seen = known.get(probe.set(group == null ? "" : group, value));
        boolean isNew = seen == null || now - seen[0] >= rememberMillis;
        if (seen == null) {
            if (known.size() >= maxTerms) {
                forgetOld(now);
                if (known.size() >= maxTerms) {
                    Iterator<long[]> eldest = known.values().iterator();
                    eldest.next();
                    eldest.remove();
                    evictions++;
                }
            }
            known.put(new Term().set(probe.group, value), new long[] {now});
        } else {
            seen[0] = now;
        }
        if (isNew && now >= learnUntil) {
            newTerm(event, now, group, value, sink);
        }
    }

    private void newTerm(JsonEvent event, long now, String group, String value, Consumer<Alert> sink) {
        String groupKey = group == null ? "" : group;
        State s = firing.get(groupKey);
        if (s == null) {
            if (atCapacity(firing, maxGroups)) {
                return;
            }
            s = new State();
            s.firedAt = now;
            s.count = 1;
            s.lastNew = now;
            firing.put(groupKey, s);
            remember(s.recent, event);
            sink.accept(alert(Alert.Status.FIRING, group, 1, null, resolveAfter, now, now,
                    subject(group) + ": new " + field + " '" + abbreviate(value) + "' (not seen in "
                            + ConfigDef.formatDuration(Duration.ofMillis(rememberMillis)) + ")", s.recent));
            return;
        }
        s.count++;
        s.lastNew = now;
        remember(s.recent, event);
    }

    private void forgetOld(long now) {
        Iterator<long[]> it = known.values().iterator();
        while (it.hasNext() && now - it.next()[0] >= rememberMillis) {
            it.remove();
        }
    }

    /** The saved state: the values known, least recently seen first, the alerts firing, and the end of learning. */
    private record Saved(LinkedHashMap<Term, long[]> known, HashMap<String, State> firing, long learnUntil)
            implements Serializable {
    }

    @Override
    Serializable state() {
        return new Saved(new LinkedHashMap<>(known), new HashMap<>(firing), learnUntil);
    }

    @Override
    void restore(Serializable state) {
        Saved saved = (Saved) state;
        known.clear();
        known.putAll(saved.known());
        firing.clear();
        firing.putAll(saved.firing());
        learnUntil = Math.min(learnUntil, saved.learnUntil()); // a restart does not learn again
    }

    @Override
    public void tick(long now, Consumer<Alert> sink) {
        forgetOld(now);
        Iterator<Map.Entry<String, State>> it = firing.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, State> e = it.next();
            State s = e.getValue();
            if (now - s.lastNew >= resolveAfter.toMillis()) {
                it.remove();
                String group = groupByText == null ? null : e.getKey();
                sink.accept(alert(Alert.Status.RESOLVED, group, s.count, null, resolveAfter, s.firedAt, now,
                        subject(group) + ": no new " + field + " for " + ConfigDef.formatDuration(resolveAfter) + " ("
                                + s.count + " new while firing)", s.recent));
            }
        }
    }

    @Override
    public int firing() {
        return firing.size();
    }

    @Override
    public long evictions() {
        return evictions;
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
