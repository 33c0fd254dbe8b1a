package io.polybus.monitor;

import io.polybus.events.ComponentSpec;
import io.polybus.events.Condition;
import io.polybus.events.FieldPath;
import io.polybus.monitor.internal.MonitorSection;
import io.polybus.spi.ConfigDef;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code monitor:} section of a configuration file: which topic to read as which group, the rules and
 * where alerts go. Read from the section's YAML tree by {@link #parse}, with the keys of {@link #keys}: every
 * problem of every rule and notifier is reported at once, each with its full path and the name of the rule or
 * notifier it lies in ({@code monitor.rules[0].window (rule 'nginx-5xx')}). Immutable.
 *
 * <pre>{@code
 * monitor:
 *   topic: logs
 *   group: monitor
 *   rules:
 *     - name: nginx-5xx
 *       type: threshold
 *       where: {field: status, gte: 500}
 *       window: 1m
 *       above: 50
 *       group-by: host
 *   notifiers:
 *     - type: stdout
 * }</pre>
 *
 * @param topic           the topic of log events to read
 * @param group           the group to read it as
 * @param concurrency     consumer threads parsing events; rules are evaluated one event at a time
 * @param evaluateEvery   how often windows, absences and resolutions are re-evaluated without new events
 * @param dedupWindow     how long an event's identity is remembered to drop duplicates, or null for
 *                        {@link #effectiveDedupWindow()}
 * @param dedupMaxEntries identities remembered at most; the oldest are forgotten first
 * @param samples         events an alert carries as examples
 * @param time            whose time windows are measured in: the events' timestamps or their arrival
 * @param timestampField  the field holding an event's time ({@link TimeSource#EVENT})
 * @param allowedLateness how far behind the latest event time an event may be and still be counted in its window
 * @param notifyMaxAge    how old (behind the monitor's clock) the window a notice describes may be for the notice to
 *                        be sent; older notices only update state (a replayed backlog does not alert)
 * @param stateDir        where the rules' state is kept across restarts, or null to keep none
 * @param snapshotEvery   how often the state is written to {@code stateDir} (also after notices and on close)
 * @param rules           at least one rule; names are unique
 * @param notifiers       where alerts go, each checked but not created yet; names are unique
 * @param engine          what evaluates the rules: this process alone, or Kafka Streams shared by every monitor of
 *                        the group
 * @param alertsTopic     {@link Engine#KAFKA_STREAMS}: the topic the alerts are written to and notified from
 * @param alertsPartitions {@link Engine#KAFKA_STREAMS}: the partitions {@code alertsTopic} is created with when missing
 * @param kafkaStreams    {@link Engine#KAFKA_STREAMS}: Kafka Streams properties (the {@code kafka-streams.} keys,
 *                        prefix removed), over the engine's defaults
 */
public record MonitorConfig(String topic, String group, int concurrency, Duration evaluateEvery,
                            Duration dedupWindow, int dedupMaxEntries, int samples, TimeSource time,
                            FieldPath timestampField, Duration allowedLateness, Duration notifyMaxAge,
                            Path stateDir, Duration snapshotEvery, List<Rule> rules, List<NotifierSpec> notifiers,
                            Engine engine, String alertsTopic, int alertsPartitions,
                            Map<String, String> kafkaStreams) {

    public MonitorConfig {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(evaluateEvery, "evaluateEvery");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(timestampField, "timestampField");
        Objects.requireNonNull(allowedLateness, "allowedLateness");
        Objects.requireNonNull(notifyMaxAge, "notifyMaxAge");
        Objects.requireNonNull(snapshotEvery, "snapshotEvery");
        rules = List.copyOf(rules);
        notifiers = List.copyOf(notifiers);
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(alertsTopic, "alertsTopic");
        kafkaStreams = Map.copyOf(kafkaStreams);
    }

    /** What evaluates the rules. */
    public enum Engine {
        /** The monitor's own process: one monitor per group sees every event. */
        EMBEDDED,
        /**
         * Kafka Streams: the events repartitioned by rule and group-by value, windows in changelogged state stores,
         * so N monitors of one group share the work with exact counts. Needs the Kafka broker.
         */
        KAFKA_STREAMS
    }

    /** Whose time the windows are measured in. */
    public enum TimeSource {
        /** The event's own timestamp ({@link #timestampField()}): a replayed backlog counts in the windows it happened in. */
        EVENT,
        /** When the event reached the monitor, on its clock. */
        ARRIVAL
    }

    /**
     * Reads a {@code monitor:} section; for a {@link ConfigDef} key, {@code (raw, path) -> MonitorConfig.parse(raw,
     * path, notifiers)}.
     *
     * @param section   the section's tree (placeholders already expanded by {@link io.polybus.Config#readYaml}),
     *                  or null when the file has none (which fails: a monitor needs rules)
     * @param path      the section's path in its file, for problems (e.g. {@code monitor})
     * @param notifiers the notifier providers by type, e.g. {@code Components.load(NotifierProvider.class)} or a
     *                  Guice {@code Map<String, NotifierProvider>} bound by
     *                  {@code ComponentModule.of(NotifierProvider.class)}
     * @throws io.polybus.ConfigException naming every problem with its full path
     */
    public static MonitorConfig parse(Object section, String path, Map<String, NotifierProvider> notifiers) {
        return MonitorSection.parse(section, path, notifiers);
    }

    /** The keys of the section (for docs and {@code polybus validate}); rules and notifiers have their own. */
    public static ConfigDef keys(Map<String, NotifierProvider> notifiers) {
        return MonitorSection.keys(notifiers);
    }

    /** The keys every rule has: {@code name}, {@code type}, {@code severity}, {@code where}, {@code group-by}. */
    public static ConfigDef ruleKeys() {
        return MonitorSection.RULE_KEYS;
    }

    /** Each rule type's own keys, by type ({@code threshold}, {@code ratio}, ..., {@code absence}). */
    public static Map<String, ConfigDef> ruleTypeKeys() {
        return MonitorSection.RULE_TYPE_KEYS;
    }

    /** The keys every notifier has besides its provider's ({@code name}). */
    public static ConfigDef notifierKeys() {
        return MonitorSection.NOTIFIER_KEYS;
    }

    /**
     * The dedup window in force: the configured one, else the longest time a rule counts events over (a spike's
     * two windows), at least 1 minute.
     */
    public Duration effectiveDedupWindow() {
        if (dedupWindow != null) {
            return dedupWindow;
        }
        Duration longest = Duration.ofMinutes(1);
        for (Rule rule : rules) {
            Duration counted = rule instanceof Rule.Spike s && s.baseline() == null ? s.window().multipliedBy(2) : rule.window();
            if (counted != null && counted.compareTo(longest) > 0) {
                longest = counted;
            }
        }
        return longest;
    }

    /**
     * A rule. Every rule has a unique {@code name}, a {@code severity}, a {@code where} condition (in the one
     * condition language, {@link Condition}; {@link Condition#ALWAYS} when absent) and an optional
     * {@code group-by} field whose value splits the rule into one alert per value.
     */
    public sealed interface Rule {
        String name();

        String severity();

        Condition where();

        /** The field whose value splits the rule into one alert per value, or null. */
        FieldPath groupBy();

        /** The window the rule counts or measures events in, or null for a rule without one. */
        default Duration window() {
            return null;
        }

        /**
         * Fires when more than {@code above} events satisfying {@code where} arrive within {@code window}
         * (per {@code group-by} value); resolves once the count has stayed at or below it for
         * {@code resolveAfter}. At most {@code maxGroups} values are counted at once; events of further values
         * are ignored (and logged once) until some fall idle.
         */
        record Threshold(String name, String severity, Condition where, FieldPath groupBy, Duration window,
                         WindowType windowType, long above, Duration resolveAfter, int maxGroups) implements Rule {
        }

        /**
         * Fires when, within {@code window}, the events satisfying {@code where} are more than the fraction
         * {@code above} of all events (of those satisfying {@code of}, when given) and these number at least
         * {@code minCount}; resolves once that has stayed false for {@code resolveAfter}. Per {@code group-by} value.
         */
        record Ratio(String name, String severity, Condition where, FieldPath groupBy, Condition of, Duration window,
                     double above, long minCount, Duration resolveAfter, int maxGroups) implements Rule {
        }

        /**
         * Fires when the events satisfying {@code where} within {@code window} are more than {@code factor} times
         * the reference ({@link Direction#UP}), or fewer than the reference divided by it ({@link Direction#DOWN}):
         * the previous window's count, or {@code baseline} when given. The window compared must hold at least
         * {@code minCount} events going up, the reference going down. Resolves once that has stayed false for
         * {@code resolveAfter}.
         *
         * @param baseline the reference count per window, or null to compare with the previous window
         */
        record Spike(String name, String severity, Condition where, FieldPath groupBy, Duration window, double factor,
                     Direction direction, Long baseline, long minCount, Duration resolveAfter, int maxGroups)
                implements Rule {
        }

        /**
         * Fires when {@code function} of the numeric {@code field} over the events satisfying {@code where} within
         * {@code window} is {@code comparison} {@code limit}, once at least {@code minCount} values were seen;
         * resolves once that has stayed false for {@code resolveAfter}. Events whose field is not a number are not
         * measured.
         */
        record Aggregate(String name, String severity, Condition where, FieldPath groupBy, FieldPath field,
                         Aggregation function, Duration window, Comparison comparison, double limit, long minCount,
                         Duration resolveAfter, int maxGroups) implements Rule {
        }

        /**
         * Fires when the distinct values of {@code field} among the events satisfying {@code where} within
         * {@code window} are {@code comparison} {@code limit}; resolves once that has stayed false for
         * {@code resolveAfter}. Counted exactly up to {@code maxValues} (more than {@code limit}) per group.
         */
        record Cardinality(String name, String severity, Condition where, FieldPath groupBy, FieldPath field,
                           Duration window, Comparison comparison, long limit, int maxValues, Duration resolveAfter,
                           int maxGroups) implements Rule {
        }

        /**
         * Fires on an event satisfying {@code where} whose {@code field} has a value not seen (per {@code group-by}
         * value) within {@code remember}, counts the following new values, and resolves when none has come for
         * {@code resolveAfter}. Values seen during {@code learnFor} after the monitor's start are learnt without
         * firing. At most {@code maxTerms} values are remembered; the least recently seen are forgotten first.
         */
        record NewTerm(String name, String severity, Condition where, FieldPath groupBy, FieldPath field,
                       Duration remember, Duration learnFor, int maxTerms, Duration resolveAfter, int maxGroups)
                implements Rule {
        }

        /**
         * Fires when fewer than {@code below} events satisfying {@code where} arrived within {@code window}, once
         * a whole window has been watched (from the monitor's start, or per {@code group-by} value seen or listed
         * in {@code expected}); resolves once the count has stayed at or above it for {@code resolveAfter}.
         */
        record Flatline(String name, String severity, Condition where, FieldPath groupBy, Duration window, long below,
                        List<String> expected, Duration resolveAfter, int maxGroups) implements Rule {
            public Flatline {
                expected = List.copyOf(expected);
            }
        }

        /**
         * Fires on the first event satisfying {@code where} (per {@code group-by} value), counts the following
         * ones, and resolves when none has arrived for {@code resolveAfter}. At most {@code maxGroups} values fire
         * at once.
         */
        record Match(String name, String severity, Condition where, FieldPath groupBy, Duration resolveAfter,
                     int maxGroups) implements Rule {
        }

        /**
         * Fires when no event satisfying {@code where} has arrived for {@code silence} (per {@code group-by} value
         * seen or listed in {@code expected}; at all without {@code group-by}); resolves on the next such event.
         * At most {@code maxGroups} values are watched.
         */
        record Absence(String name, String severity, Condition where, FieldPath groupBy, Duration silence,
                       List<String> expected, int maxGroups) implements Rule {
            public Absence {
                expected = List.copyOf(expected);
            }
        }
    }

    /** Which side of its limit a measured value fires on. */
    public enum Comparison {
        /** Fires when the value is greater than the limit. */
        ABOVE,
        /** Fires when the value is less than the limit. */
        BELOW
    }

    /** Which way a spike fires. */
    public enum Direction {
        /** The window is more than {@code factor} times the reference. */
        UP,
        /** The window is less than the reference divided by {@code factor}. */
        DOWN,
        /** Either. */
        BOTH
    }

    /** What an {@code aggregate} rule computes of a field's values in its window. */
    public enum Aggregation {
        AVG, MIN, MAX, SUM,
        /** The median, as the other percentiles within 1% of the exact value. */
        P50, P90, P95, P99;

        /** The percentile (50 to 99) of P50 to P99, or 0 for the others. */
        public double percentile() {
            return switch (this) {
                case P50 -> 50;
                case P90 -> 90;
                case P95 -> 95;
                case P99 -> 99;
                default -> 0;
            };
        }
    }

    /** How a threshold window moves. */
    public enum WindowType {
        /** The last {@code window} up to now (in 60 steps). */
        SLIDING,
        /** Fixed, back-to-back windows aligned on multiples of {@code window}; counts restart at each. */
        TUMBLING
    }

    /**
     * One entry of {@code notifiers}, its keys checked; the monitor creates the notifier when it starts.
     *
     * @param name      the notifier's name (its {@code name}, else its type), for meters and logs
     * @param component its provider and keys
     */
    public record NotifierSpec(String name, ComponentSpec<NotifierProvider> component) {
        public NotifierSpec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(component, "component");
        }

        /** Its {@code type}. */
        public String type() {
            return component.type();
        }
    }
}
