package io.polybus.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.monitor.internal.ConfigBinder;
import io.polybus.monitor.internal.ConfigValidator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code monitor:} section of a configuration file: which topic to read as which group, the rules and
 * where alerts go. Immutable; bound from YAML by {@link #bind(JsonNode, String)}, which rejects unknown keys
 * and bad values with a {@link io.polybus.ConfigException} naming the path (and the rule or notifier).
 *
 * <pre>{@code
 * monitor:
 *   topic: logs
 *   group: monitor
 *   rules:
 *     - name: nginx-5xx
 *       type: threshold
 *       where: [{field: fields.status, gte: 500}]
 *       window: 1m
 *       above: 50
 *       group-by: host
 *   notifiers:
 *     - type: stdout
 * }</pre>
 *
 * @param topic           the topic of log events to read (default {@code logs})
 * @param group           the group to read it as (default {@code monitor})
 * @param concurrency     consumer threads parsing events (default 1); rules are evaluated one event at a time
 * @param evaluateEvery   how often windows, absences and resolutions are re-evaluated without new events
 *                        (default 1s)
 * @param dedupWindow     how long an event's identity is remembered to drop duplicates (default: the longest
 *                        threshold window, at least 1m)
 * @param dedupMaxEntries identities remembered at most; the oldest are forgotten first (default 1,000,000)
 * @param samples         events an alert carries as examples (default 3)
 * @param rules           at least one rule; names are unique
 * @param notifiers       where alerts go (default: stdout)
 */
public record MonitorConfig(String topic, String group, Integer concurrency, Duration evaluateEvery,
                            Duration dedupWindow, Integer dedupMaxEntries, Integer samples,
                            List<Rule> rules, List<NotifierSpec> notifiers) {

    public MonitorConfig {
        topic = topic == null ? "logs" : topic;
        group = group == null ? "monitor" : group;
        concurrency = concurrency == null ? 1 : concurrency;
        evaluateEvery = evaluateEvery == null ? Duration.ofSeconds(1) : evaluateEvery;
        dedupMaxEntries = dedupMaxEntries == null ? 1_000_000 : dedupMaxEntries;
        samples = samples == null ? 3 : samples;
        rules = rules == null ? List.of() : List.copyOf(rules);
        notifiers = notifiers == null ? List.of(new NotifierSpec.Stdout(null, null)) : List.copyOf(notifiers);
    }

    /**
     * Binds and validates a {@code monitor:} section.
     *
     * @param section the section's YAML tree, placeholders already expanded
     * @param path    the section's path in its file, for error messages (e.g. {@code monitor})
     * @throws io.polybus.ConfigException naming every bad key (unknown keys, bad values, rule problems)
     */
    public static MonitorConfig bind(JsonNode section, String path) {
        MonitorConfig config = ConfigBinder.bind(section, path, MonitorConfig.class);
        ConfigValidator.validate(config, path);
        return config;
    }

    /**
     * Reads the {@code monitor:} section of a whole YAML document (other sections are the caller's business),
     * expanding {@code ${NAME}}, {@code ${NAME:-default}} and {@code ${file:/path}} with {@code environment}.
     * For a program, such as the agent, that runs a monitor beside its own configuration.
     *
     * @throws io.polybus.ConfigException naming every bad key of the section (a missing section: no rules)
     */
    public static MonitorConfig fromYaml(String yaml, Function<String, String> environment) {
        return bind(ConfigBinder.readYaml(yaml, environment).path("monitor"), "monitor");
    }

    /** The dedup window in force: the configured one, else the longest threshold window, at least 1 minute. */
    public Duration effectiveDedupWindow() {
        if (dedupWindow != null) {
            return dedupWindow;
        }
        Duration longest = Duration.ofMinutes(1);
        for (Rule rule : rules) {
            if (rule instanceof Rule.Threshold t && t.window() != null && t.window().compareTo(longest) > 0) {
                longest = t.window();
            }
        }
        return longest;
    }

    /** One field condition; exactly one operator is set. Conditions of a rule must all hold. */
    public record Condition(String field, JsonNode equals, JsonNode notEquals, Double gt, Double gte, Double lt,
                            Double lte, List<JsonNode> in, String contains, String matches, Boolean exists) {
    }

    /** A rule. {@code type} picks the kind: {@code threshold}, {@code match} or {@code absence}. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = Rule.Threshold.class, name = "threshold"),
            @JsonSubTypes.Type(value = Rule.Match.class, name = "match"),
            @JsonSubTypes.Type(value = Rule.Absence.class, name = "absence")})
    public sealed interface Rule {
        String name();

        String severity();

        List<Condition> where();

        /** A field path whose value splits the rule into one alert per value, or null. */
        String groupBy();

        /**
         * Fires when more than {@code above} events satisfying {@code where} arrive within {@code window}
         * (per {@code group-by} value); resolves once the count has stayed at or below it for
         * {@code resolve-after} (default: one window). At most {@code max-groups} values (default 10,000) are
         * counted at once; events of further values are ignored (and logged once) until some fall idle.
         */
        record Threshold(String name, String severity, List<Condition> where, String groupBy, Duration window,
                         WindowType windowType, Long above, Duration resolveAfter, Integer maxGroups) implements Rule {
            public Threshold {
                where = where == null ? List.of() : List.copyOf(where);
                windowType = windowType == null ? WindowType.SLIDING : windowType;
                resolveAfter = resolveAfter == null ? window : resolveAfter;
                maxGroups = maxGroups == null ? 10_000 : maxGroups;
                severity = severity == null ? "warning" : severity;
            }
        }

        /**
         * Fires on the first event satisfying {@code where} (per {@code group-by} value), counts the following
         * ones, and resolves when none has arrived for {@code resolve-after} (default 5m). At most
         * {@code max-groups} values (default 10,000) fire at once.
         */
        record Match(String name, String severity, List<Condition> where, String groupBy, Duration resolveAfter,
                     Integer maxGroups) implements Rule {
            public Match {
                where = where == null ? List.of() : List.copyOf(where);
                resolveAfter = resolveAfter == null ? Duration.ofMinutes(5) : resolveAfter;
                maxGroups = maxGroups == null ? 10_000 : maxGroups;
                severity = severity == null ? "warning" : severity;
            }
        }

        /**
         * Fires when no event satisfying {@code where} has arrived for {@code for} (per {@code group-by} value
         * seen or listed in {@code expected}; at all without {@code group-by}); resolves on the next such event.
         * At most {@code max-groups} values (default 10,000) are watched.
         */
        record Absence(String name, String severity, List<Condition> where, String groupBy,
                       @JsonProperty("for") Duration silence, List<String> expected, Integer maxGroups) implements Rule {
            public Absence {
                maxGroups = maxGroups == null ? 10_000 : maxGroups;
                where = where == null ? List.of() : List.copyOf(where);
                expected = expected == null ? List.of() : List.copyOf(expected);
                severity = severity == null ? "warning" : severity;
            }
        }
    }

    /** How a threshold window moves. */
    public enum WindowType {
        /** The last {@code window} up to now (in 60 steps). */
        @JsonProperty("sliding") SLIDING,
        /** Fixed, back-to-back windows aligned on multiples of {@code window}; counts restart at each. */
        @JsonProperty("tumbling") TUMBLING
    }

    /** Where alerts go. {@code type} picks the kind: {@code stdout}, {@code file}, {@code webhook}, {@code topic}. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = NotifierSpec.Stdout.class, name = "stdout"),
            @JsonSubTypes.Type(value = NotifierSpec.File.class, name = "file"),
            @JsonSubTypes.Type(value = NotifierSpec.Webhook.class, name = "webhook"),
            @JsonSubTypes.Type(value = NotifierSpec.Topic.class, name = "topic")})
    public sealed interface NotifierSpec {
        /** A name for metrics and logs; defaults to the type. */
        String name();

        /** One line per alert on standard output: {@code text} (default) for people, {@code json} for tools. */
        record Stdout(String name, String format) implements NotifierSpec {
            public Stdout {
                name = name == null ? "stdout" : name;
                format = format == null ? "text" : format;
            }
        }

        /** Appends one JSON object per line to {@code path}, creating the file and its folders. */
        record File(String name, String path) implements NotifierSpec {
            public File {
                name = name == null ? "file" : name;
            }
        }

        /**
         * POSTs the alert as JSON to {@code url}; retries on connection errors, 429 and 5xx up to
         * {@code retries} times (default 3), waiting {@code backoff} (default 500ms) doubled each time up to
         * {@code max-backoff} (default 10s); each attempt times out after {@code timeout} (default 5s).
         * {@code headers} are sent as given (values never logged).
         */
        record Webhook(String name, String url, Duration timeout, Integer retries, Duration backoff,
                       Duration maxBackoff, Map<String, String> headers) implements NotifierSpec {
            public Webhook {
                name = name == null ? "webhook" : name;
                timeout = timeout == null ? Duration.ofSeconds(5) : timeout;
                retries = retries == null ? 3 : retries;
                backoff = backoff == null ? Duration.ofMillis(500) : backoff;
                maxBackoff = maxBackoff == null ? Duration.ofSeconds(10) : maxBackoff;
                headers = headers == null ? Map.of() : Map.copyOf(headers);
            }
        }

        /** Publishes the alert as JSON to {@code topic} (default {@code alerts}) with the rule name as key. */
        record Topic(String name, String topic) implements NotifierSpec {
            public Topic {
                name = name == null ? "topic" : name;
                topic = topic == null ? "alerts" : topic;
            }
        }
    }
}
