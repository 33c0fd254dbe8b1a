package io.polybus.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.spi.ConfigDef;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One alert notice: a rule {@link Status#FIRING} for one group, or the single {@link Status#RESOLVED} notice
 * that follows it. Both notices of one alert share its {@link #id()}. Immutable.
 *
 * @param id        {@code rule/group/start-millis}: the same on the firing and the resolved notice
 * @param rule      the rule's name
 * @param ruleType  the rule's type: {@code threshold}, {@code ratio}, {@code spike}, {@code aggregate},
 *                  {@code cardinality}, {@code new-term}, {@code flatline}, {@code match} or {@code absence}
 * @param status    firing or resolved
 * @param severity  the rule's severity
 * @param groupBy   the field the rule groups by, or null
 * @param group     that field's value for this alert, or null
 * @param count     threshold: events in the window (peak while firing); match and new-term: matching events (new
 *                  terms) since it fired; absence: 0; the other windowed rules: the events the value was measured on
 * @param threshold threshold rules: the count the window had to exceed; otherwise null
 * @param window    the window the rule measures (spike: each of the two windows it compares); match and new-term:
 *                  the quiet time that resolves it; absence: the silence that fires it
 * @param value     ratio, spike, aggregate, cardinality and flatline: what the rule measured (the share, the factor
 *                  between the windows, the aggregate, the distinct values, the count) when it fired, the worst
 *                  while firing on the resolved notice; otherwise null
 * @param limit     the bound {@code value} crossed (a fraction, a factor, a value, a count); otherwise null
 * @param startedAt when the alert fired, on the rules' clock
 * @param at        when this notice was made, on the rules' clock: the end of the window it describes (event time unless
 *                  {@code time: arrival}); {@code window} before it is the start
 * @param summary   one line for people
 * @param samples   a few of the events involved (most recent last), as received; shared, never to be modified
 */
public record Alert(String id, String rule, String ruleType, Status status, String severity, String groupBy,
                    String group, long count, Long threshold, Duration window, Instant startedAt, Instant at,
                    String summary, List<JsonNode> samples, Double value, Double limit) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether the rule has tripped or cleared. */
    public enum Status { FIRING, RESOLVED }

    public Alert {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(status, "status");
        samples = List.copyOf(samples);
    }

    /** An alert of a rule that measures no value other than its count ({@code threshold}, {@code match}, {@code absence}). */
    public Alert(String id, String rule, String ruleType, Status status, String severity, String groupBy,
                 String group, long count, Long threshold, Duration window, Instant startedAt, Instant at,
                 String summary, List<JsonNode> samples) {
        this(id, rule, ruleType, status, severity, groupBy, group, count, threshold, window, startedAt, at, summary,
                samples, null, null);
    }

    /** The notice as JSON, with snake_case keys like the events. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("rule", rule);
        o.put("rule_type", ruleType);
        o.put("status", status.name().toLowerCase());
        o.put("severity", severity);
        if (groupBy != null) {
            o.put("group_by", groupBy);
            o.put("group", group);
        }
        o.put("count", count);
        if (threshold != null) {
            o.put("threshold", threshold);
        }
        if (value != null) {
            o.put("value", value);
        }
        if (limit != null) {
            o.put("limit", limit);
        }
        o.put("window", ConfigDef.formatDuration(window));
        o.put("started_at", startedAt.toString());
        o.put("at", at.toString());
        o.put("summary", summary);
        o.putArray("samples").addAll(samples);
        return o;
    }

    /** {@link #toJson()} as UTF-8 bytes. */
    public byte[] toJsonBytes() {
        return toJson().toString().getBytes(StandardCharsets.UTF_8);
    }
}
