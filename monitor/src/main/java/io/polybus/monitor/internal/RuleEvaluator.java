package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.events.Condition;
import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
            return new ThresholdEvaluator(t, samples);
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
     * @param now when the event arrived, in epoch milliseconds of the monitor's clock: windows are measured in it
     * @return whether the event met the rule's condition
     */
    public final boolean onEvent(JsonEvent event, long now, Consumer<Alert> sink) {
        if (!where.test(event)) {
            return false;
        }
        String group = groupBy == null ? null : groupOf(event);
        matched(event, now, group, sink);
        return true;
    }

    private String groupOf(JsonEvent event) {
        Object v = event.get(groupBy);
        return v instanceof String || v instanceof Number || v instanceof Boolean ? String.valueOf(v) : NO_VALUE;
    }

    abstract void matched(JsonEvent event, long now, String group, Consumer<Alert> sink);

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

    Alert alert(Alert.Status status, String group, long count, Long threshold, Duration window, long startedAt,
                long now, String summary, ArrayDeque<JsonNode> recent) {
        String id = name + "/" + (group == null ? "" : group) + "/" + startedAt;
        return new Alert(id, name, type, status, severity, groupByText, group, count, threshold, window,
                Instant.ofEpochMilli(startedAt), Instant.ofEpochMilli(now), summary,
                recent == null ? List.of() : List.copyOf(recent));
    }

    String subject(String group) {
        return group == null ? name : name + " [" + groupByText + "=" + group + "]";
    }

    void remember(ArrayDeque<JsonNode> recent, JsonNode event) {
        if (samples == 0) {
            return;
        }
        if (recent.size() == samples) {
            recent.removeFirst();
        }
        recent.addLast(event);
    }
}
