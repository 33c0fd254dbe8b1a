package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.events.Condition;
import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One rule at run time: sees every (deduplicated) event, is ticked with the time, and emits a firing notice
 * when it trips and one resolved notice when it clears, per group. Not thread-safe: the engine calls it from
 * one thread at a time.
 */
public abstract class RuleEvaluator {
    private static final Logger log = LoggerFactory.getLogger(RuleEvaluator.class);
    /** The group of events whose {@code group-by} field is missing. */
    static final String NO_VALUE = "(none)";

    final String name;
    final String type;
    final String severity;
    final String groupByText;
    final int samples;
    private final Condition where;
    private final FieldPath groupBy;
    private boolean warnedFull;

    RuleEvaluator(MonitorConfig.Rule rule, String type, int samples) {
        this.name = rule.name();
        this.type = type;
        this.severity = rule.severity();
        this.groupBy = rule.groupBy();
        this.groupByText = groupBy == null ? null : groupBy.toString();
        this.where = rule.where();
        this.samples = samples;
    }

    /** Builds the evaluator of a validated rule. */
    public static RuleEvaluator of(MonitorConfig.Rule rule, int samples, long startMillis) {
        if (rule instanceof MonitorConfig.Rule.Threshold t) {
            return new ThresholdEvaluator(t, samples, startMillis);
        }
        if (rule instanceof MonitorConfig.Rule.Ratio r) {
            return new RatioEvaluator(r, samples, startMillis);
        }
        if (rule instanceof MonitorConfig.Rule.Spike s) {
            return new SpikeEvaluator(s, samples, startMillis);
        }
        if (rule instanceof MonitorConfig.Rule.Aggregate a) {
            return new AggregateEvaluator(a, samples, startMillis);
        }
        if (rule instanceof MonitorConfig.Rule.Cardinality c) {
            return new CardinalityEvaluator(c, samples, startMillis);
        }
        if (rule instanceof MonitorConfig.Rule.NewTerm n) {
            return new NewTermEvaluator(n, samples, startMillis);
        }
        if (rule instanceof MonitorConfig.Rule.Flatline f) {
            return new FlatlineEvaluator(f, samples, startMillis);
        }
        if (rule instanceof MonitorConfig.Rule.Match m) {
            return new MatchEvaluator(m, samples);
        }
        return new AbsenceEvaluator((MonitorConfig.Rule.Absence) rule, samples, startMillis);
    }

    public String name() {
        return name;
    }

    /**
     * Offers an event to the rule.
     *
     * @param at  the event's time, in epoch milliseconds: the window it is counted in; at most {@code now}, and not
     *            older than the allowed lateness (the engine leaves later events out)
     * @param now the monitor's clock in epoch milliseconds (the latest event time, or arrival time): what the rule
     *            is judged at; never goes back between calls
     * @return whether the event met the rule's condition
     */
    public final boolean onEvent(JsonEvent event, long at, long now, Consumer<Alert> sink) {
        if (!where.test(event)) {
            if (seesUnmatched()) {
                unmatched(event, at, groupBy == null ? null : groupOf(event));
            }
            return false;
        }
        String group = groupBy == null ? null : groupOf(event);
        matched(event, at, now, group, sink);
        return true;
    }

    /**
     * Where an event goes for this rule when the rules run on Kafka Streams: its group ({@code ""} without
     * {@code group-by}), or null when the rule would not look at it.
     */
    final String routeGroup(JsonEvent event) {
        if (!seesUnmatched() && !where.test(event)) {
            return null;
        }
        return groupBy == null ? "" : groupOf(event);
    }

    private String groupOf(JsonEvent event) {
        String v = text(event.get(groupBy));
        return v == null ? NO_VALUE : v;
    }

    /** A field's value as text when it is a single value (a string, number or boolean), else null. */
    static String text(Object value) {
        if (value instanceof String s) {
            return s;
        }
        return value instanceof Number || value instanceof Boolean ? String.valueOf(value) : null;
    }

    /** A matching event of time {@code at}, judged at {@code now} (see {@link #onEvent}). */
    abstract void matched(JsonEvent event, long at, long now, String group, Consumer<Alert> sink);

    /** Whether the rule is also offered the events that do not meet {@code where} (a ratio counts them). */
    boolean seesUnmatched() {
        return false;
    }

    /** Offers an event of time {@code at} that does not meet {@code where}, when {@link #seesUnmatched()}. */
    void unmatched(JsonEvent event, long at, String group) {
        throw new IllegalStateException("rule '" + name + "' does not look at unmatched events");
    }

    /** Values the rule forgot because it remembered as many as it may (its own cap); 0 for rules without one. */
    public long evictions() {
        return 0;
    }

    /**
     * Whether {@code groups} already holds {@code maxGroups} groups, so that a new group must be ignored; says so
     * in the log once per rule. Keeps a rule's memory bounded however many values its {@code group-by} field takes.
     */
    final boolean atCapacity(Map<String, ?> groups, int maxGroups) {
        if (groups.size() < maxGroups) {
            return false;
        }
        if (!warnedFull) {
            warnedFull = true;
            log.warn("rule '{}' tracks {} groups already (max-groups); events of new groups are ignored", name, maxGroups);
        }
        return true;
    }

    /** Re-evaluates what time alone changes: windows sliding, silences, quiet periods. */
    public abstract void tick(long nowMillis, Consumer<Alert> sink);

    /** Alerts currently firing. */
    public abstract int firing();

    /**
     * What a restarted monitor needs of this rule: windows, firing alerts, known values. Serializable; read back
     * with {@link #restore} by a rule of the same {@link #stateKey()}.
     */
    abstract Serializable state();

    /** Takes over a state of {@link #state()}; the rule's own is dropped. */
    abstract void restore(Serializable state);

    /**
     * What a saved state must have been made under to be restored: the type and what shapes its windows. A rule
     * whose key changed starts empty.
     */
    String stateKey() {
        return type;
    }

    Alert alert(Alert.Status status, String group, long count, Long threshold, Duration window, long startedAt,
                long now, String summary, ArrayDeque<JsonEvent> recent) {
        return alert(status, group, count, threshold, window, startedAt, now, summary, recent, null, null);
    }

    Alert alert(Alert.Status status, String group, long count, Long threshold, Duration window, long startedAt,
                long now, String summary, ArrayDeque<JsonEvent> recent, Double value, Double limit) {
        String id = name + "/" + (group == null ? "" : group) + "/" + startedAt;
        return new Alert(id, name, type, status, severity, groupByText, group, count, threshold, window,
                Instant.ofEpochMilli(startedAt), Instant.ofEpochMilli(now), summary,
                recent == null ? List.of() : recent.stream().map(e -> (JsonNode) e.json()).toList(), value, limit);
    }

    String subject(String group) {
        return group == null ? name : name + " [" + groupByText + "=" + group + "]";
    }

    /** Keeps {@code event} among the rule's samples: as it came, read as a tree only if a notice carries it. */
    void remember(ArrayDeque<JsonEvent> recent, JsonEvent event) {
        if (samples == 0) {
            return;
        }
        if (recent.size() == samples) {
            recent.removeFirst();
        }
        recent.addLast(event);
    }
}
