package io.polybus.monitor;

import io.polybus.events.ComponentSpec;
import io.polybus.events.Condition;
import io.polybus.events.FieldPath;
import io.polybus.monitor.internal.MonitorSection;
import io.polybus.spi.ConfigDef;

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
 * @param rules           at least one rule; names are unique
 * @param notifiers       where alerts go, each checked but not created yet; names are unique
 */
public record MonitorConfig(String topic, String group, int concurrency, Duration evaluateEvery,
                            Duration dedupWindow, int dedupMaxEntries, int samples,
                            List<Rule> rules, List<NotifierSpec> notifiers) {

    public MonitorConfig {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(evaluateEvery, "evaluateEvery");
        rules = List.copyOf(rules);
        notifiers = List.copyOf(notifiers);
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

    /** Each rule type's own keys, by type ({@code threshold}, {@code match}, {@code absence}). */
    public static Map<String, ConfigDef> ruleTypeKeys() {
        return MonitorSection.RULE_TYPE_KEYS;
    }

    /** The keys every notifier has besides its provider's ({@code name}). */
    public static ConfigDef notifierKeys() {
        return MonitorSection.NOTIFIER_KEYS;
    }

    /** The dedup window in force: the configured one, else the longest threshold window, at least 1 minute. */
    public Duration effectiveDedupWindow() {
        if (dedupWindow != null) {
            return dedupWindow;
        }
        Duration longest = Duration.ofMinutes(1);
        for (Rule rule : rules) {
            if (rule instanceof Rule.Threshold t && t.window().compareTo(longest) > 0) {
                longest = t.window();
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
