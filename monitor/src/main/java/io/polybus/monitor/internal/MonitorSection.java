package io.polybus.monitor.internal;

import io.polybus.ConfigException;
import io.polybus.events.ComponentSpec;
import io.polybus.events.Components;
import io.polybus.events.Condition;
import io.polybus.events.FieldPath;
import io.polybus.monitor.MonitorConfig;
import io.polybus.monitor.MonitorConfig.NotifierSpec;
import io.polybus.monitor.MonitorConfig.Rule;
import io.polybus.monitor.NotifierProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The keys of the {@code monitor:} section, of each rule type and of every notifier, and how the section is read:
 * every problem of every rule and notifier collected, each path followed by the name of the rule or notifier it
 * lies in ({@code monitor.rules[0].window (rule 'nginx-5xx')}), so a long file's mistakes are found by name.
 */
public final class MonitorSection {
    private static final Duration POSITIVE = Duration.ofMillis(1);
    /** The prefix of the Kafka Streams properties passed through. */
    private static final String STREAMS_PREFIX = "kafka-streams.";
    private static final String MAX_GROUPS_DOC = "`group-by` values tracked at once; events of further values are "
            + "ignored (and logged once) until some fall idle.";

    /** The keys every rule has. */
    public static final ConfigDef RULE_KEYS = ConfigDef.builder("rule", "any type")
            .defineRequired("name", ConfigDef.Type.STRING, ConfigDef.nonEmpty(),
                    "A name unique among the rules: the notices' `rule` and the meters' `rule` tag.")
            .define("severity", ConfigDef.Type.STRING, "warning", ConfigDef.nonEmpty(),
                    "Carried by the notices, e.g. `warning` or `critical`.")
            .defineParsed("where", "a condition", Condition::parse,
                    "What an event must meet to count (the one condition language, below); absent: every event.")
            .defineParsed("group-by", "a field path", MonitorSection::fieldPath,
                    "A field whose value splits the rule into one alert per value, e.g. `host`; events without it "
                            + "count under `(none)`.")
            .build();

    private static final ConfigDef THRESHOLD = ConfigDef.builder("rule type", "threshold")
            .defineRequired("window", ConfigDef.Type.DURATION, ConfigDef.atLeast(POSITIVE),
                    "The time matching events are counted in.")
            .define("window-type", ConfigDef.Type.STRING, "sliding", ConfigDef.oneOf("sliding", "tumbling"),
                    "`sliding`: the last `window` up to now, in 60 steps; `tumbling`: back-to-back windows aligned on "
                            + "multiples of `window`, counts restarting at each.")
            .defineRequired("above", ConfigDef.Type.LONG, ConfigDef.atLeast(0),
                    "The count the window must exceed to fire.")
            .define("resolve-after", ConfigDef.Type.DURATION, null, ConfigDef.atLeast(Duration.ZERO),
                    "How long the count must stay at or below `above` before the alert resolves; default: `window`.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    private static final String TICKED = " Judged every `evaluate-every`.";

    private static final ConfigDef RATIO = ConfigDef.builder("rule type", "ratio")
            .defineRequired("window", ConfigDef.Type.DURATION, ConfigDef.atLeast(POSITIVE),
                    "The time events are counted in (sliding, in 60 steps).")
            .defineRequired("above", ConfigDef.Type.DOUBLE, MonitorSection::fraction,
                    "The share of events meeting `where` the window must exceed to fire, from 0 to 1 (0.05: 5%)."
                            + TICKED)
            .defineParsed("of", "a condition", Condition::parse,
                    "The events the share is taken of (`where` counts among them); absent: every event.")
            .define("min-count", ConfigDef.Type.LONG, "1", ConfigDef.atLeast(1),
                    "The events (of `of`) the window must hold before the share is judged, so a quiet window does not fire.")
            .define("resolve-after", ConfigDef.Type.DURATION, null, ConfigDef.atLeast(Duration.ZERO),
                    "How long the share must stay at or below `above` (or the window under `min-count`) before the "
                            + "alert resolves; default: `window`.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    private static final ConfigDef SPIKE = ConfigDef.builder("rule type", "spike")
            .defineRequired("window", ConfigDef.Type.DURATION, ConfigDef.atLeast(POSITIVE),
                    "The time matching events are counted in (sliding, in 60 steps); compared with the window before it.")
            .defineRequired("factor", ConfigDef.Type.DOUBLE, MonitorSection::overOne,
                    "How many times the reference the window must exceed (up), or fall under (down), to fire." + TICKED)
            .define("direction", ConfigDef.Type.STRING, "up", ConfigDef.oneOf("up", "down", "both"),
                    "`up`: more than `factor` times the reference; `down`: less than the reference divided by `factor`; "
                            + "`both`.")
            .define("baseline", ConfigDef.Type.LONG, null, ConfigDef.atLeast(0),
                    "A fixed reference count per window; absent: the count of the previous window.")
            .define("min-count", ConfigDef.Type.LONG, "10", ConfigDef.atLeast(1),
                    "The events the window must hold to fire up (the reference, to fire down), so tiny counts do not fire.")
            .define("resolve-after", ConfigDef.Type.DURATION, null, ConfigDef.atLeast(Duration.ZERO),
                    "How long the window must stay within `factor` of the reference before the alert resolves; "
                            + "default: `window`.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    private static final ConfigDef AGGREGATE = ConfigDef.builder("rule type", "aggregate")
            .defineParsed("field", "a field path", MonitorSection::fieldPath,
                    "The numeric field measured, e.g. `request_time`; a number or a numeric string (other events are "
                            + "not measured).")
            .required("field")
            .defineRequired("function", ConfigDef.Type.STRING,
                    ConfigDef.oneOf("avg", "min", "max", "sum", "p50", "p90", "p95", "p99"),
                    "`avg`, `min`, `max`, `sum`, or the percentile `p50`, `p90`, `p95`, `p99` (within 1% of the exact "
                            + "value, in bounded memory; values below 0 count as 0).")
            .defineRequired("window", ConfigDef.Type.DURATION, ConfigDef.atLeast(POSITIVE),
                    "The time the values are measured over (sliding, in 60 steps).")
            .define("above", ConfigDef.Type.DOUBLE, null, "Fires when the value is greater; give `above` or `below`."
                    + TICKED)
            .define("below", ConfigDef.Type.DOUBLE, null, "Fires when the value is less; give `above` or `below`.")
            .define("min-count", ConfigDef.Type.LONG, "1", ConfigDef.atLeast(1),
                    "The values the window must hold before it is judged.")
            .define("resolve-after", ConfigDef.Type.DURATION, null, ConfigDef.atLeast(Duration.ZERO),
                    "How long the value must stay on the good side before the alert resolves; default: `window`.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    private static final ConfigDef CARDINALITY = ConfigDef.builder("rule type", "cardinality")
            .defineParsed("field", "a field path", MonitorSection::fieldPath,
                    "The field whose distinct values are counted, e.g. `remote_addr`; events without it are not counted.")
            .required("field")
            .defineRequired("window", ConfigDef.Type.DURATION, ConfigDef.atLeast(POSITIVE),
                    "The time a value counts for after it was last seen (sliding).")
            .define("above", ConfigDef.Type.LONG, null, ConfigDef.atLeast(0),
                    "Fires when the distinct values are more; give `above` or `below`." + TICKED)
            .define("below", ConfigDef.Type.LONG, null, ConfigDef.atLeast(1),
                    "Fires when the distinct values are fewer; give `above` or `below`.")
            .define("max-values", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(2),
                    "Distinct values remembered per group (about 100 bytes each), more than `above` and `below`: counts "
                            + "are exact up to it; past it the least recently seen are forgotten (counted in "
                            + "`polybus_monitor_rule_evictions_total`).")
            .define("resolve-after", ConfigDef.Type.DURATION, null, ConfigDef.atLeast(Duration.ZERO),
                    "How long the count must stay on the good side before the alert resolves; default: `window`.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    private static final ConfigDef NEW_TERM = ConfigDef.builder("rule type", "new-term")
            .defineParsed("field", "a field path", MonitorSection::fieldPath,
                    "The field whose new values fire, e.g. `http_user_agent`; events without it are not looked at.")
            .required("field")
            .define("remember", ConfigDef.Type.DURATION, "7d", ConfigDef.atLeast(POSITIVE),
                    "How long a value stays known after it was last seen; unseen for longer, it is new again.")
            .define("learn-for", ConfigDef.Type.DURATION, "1h", ConfigDef.atLeast(Duration.ZERO),
                    "Values seen this long after the monitor's start are learnt without firing (values known in a "
                            + "`state-dir` snapshot are not learnt again).")
            .define("max-terms", ConfigDef.Type.INT, "100000", ConfigDef.atLeast(1),
                    "Values remembered at most (about 100 bytes each); past it the least recently seen are forgotten "
                            + "(counted in `polybus_monitor_rule_evictions_total`) and would fire again.")
            .define("resolve-after", ConfigDef.Type.DURATION, "5m", ConfigDef.atLeast(POSITIVE),
                    "How long without a new value before the alert resolves.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    private static final ConfigDef FLATLINE = ConfigDef.builder("rule type", "flatline")
            .defineRequired("window", ConfigDef.Type.DURATION, ConfigDef.atLeast(POSITIVE),
                    "The time matching events are counted in (sliding, in 60 steps).")
            .defineRequired("below", ConfigDef.Type.LONG, ConfigDef.atLeast(1),
                    "Fires when the window holds fewer matching events, once a whole window was watched." + TICKED)
            .define("expected", ConfigDef.Type.LIST, null,
                    "`group-by` values watched from the monitor's start, even before their first event; needs `group-by`.")
            .define("resolve-after", ConfigDef.Type.DURATION, null, ConfigDef.atLeast(Duration.ZERO),
                    "How long the count must stay at or above `below` before the alert resolves; default: `window`.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    private static final ConfigDef MATCH = ConfigDef.builder("rule type", "match")
            .define("resolve-after", ConfigDef.Type.DURATION, "5m", ConfigDef.atLeast(POSITIVE),
                    "How long without a matching event before the alert resolves.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    private static final ConfigDef ABSENCE = ConfigDef.builder("rule type", "absence")
            .defineRequired("for", ConfigDef.Type.DURATION, ConfigDef.atLeast(POSITIVE),
                    "The silence that fires the alert: no matching event for this long.")
            .define("expected", ConfigDef.Type.LIST, null,
                    "`group-by` values watched from the monitor's start, even before their first event; needs `group-by`.")
            .define("max-groups", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), MAX_GROUPS_DOC)
            .build();

    /** Each rule type's own keys, by type. */
    public static final Map<String, ConfigDef> RULE_TYPE_KEYS = orderedOf(THRESHOLD, RATIO, SPIKE, AGGREGATE, CARDINALITY, NEW_TERM, FLATLINE, MATCH,
            ABSENCE);

    /** The keys every notifier has besides its provider's. */
    public static final ConfigDef NOTIFIER_KEYS = ConfigDef.builder("notifier", "any type")
            .define("name", ConfigDef.Type.STRING, null, ConfigDef.nonEmpty(),
                    "A name unique among the notifiers, for logs and the meters' `notifier` tag; default: the type.")
            .build();

    /** A rule type: all its keys (the shared ones included) and how its parsed keys become a rule. */
    private record RuleType(ConfigDef keys, Function<ProviderConfig, Rule> read) {
    }

    private static final Map<String, RuleType> RULE_TYPES = Map.of(
            "threshold", new RuleType(all(THRESHOLD).build(), MonitorSection::threshold),
            "ratio", new RuleType(all(RATIO).build(), MonitorSection::ratio),
            "spike", new RuleType(all(SPIKE).build(), MonitorSection::spike),
            "aggregate", new RuleType(all(AGGREGATE).build(), MonitorSection::aggregate),
            "cardinality", new RuleType(all(CARDINALITY).build(), MonitorSection::cardinality),
            "new-term", new RuleType(all(NEW_TERM).build(), MonitorSection::newTerm),
            "flatline", new RuleType(all(FLATLINE).build(), MonitorSection::flatline),
            "match", new RuleType(all(MATCH).required("where").build(), MonitorSection::match),
            "absence", new RuleType(all(ABSENCE).build(), MonitorSection::absence));
    private static final String RULE_TYPE_NAMES = String.join(", ", RULE_TYPE_KEYS.keySet());
    private static final List<Object> DEFAULT_NOTIFIERS = List.of(Map.of(ConfigDef.TYPE_KEY, "stdout"));

    private MonitorSection() {
    }

    /** The section's keys; {@code notifiers} is read with {@code providers}. */
    public static ConfigDef keys(Map<String, NotifierProvider> providers) {
        return ConfigDef.builder("section", "monitor")
                .define("topic", ConfigDef.Type.STRING, "logs", ConfigDef.nonEmpty(), "The topic of log events to read.")
                .define("group", ConfigDef.Type.STRING, "monitor", ConfigDef.nonEmpty(), "The group to read it as.")
                .define("concurrency", ConfigDef.Type.INT, "1", ConfigDef.atLeast(1),
                        "Consumer threads parsing events; rules see one event at a time.")
                .define("evaluate-every", ConfigDef.Type.DURATION, "1s", ConfigDef.atLeast(POSITIVE),
                        "How often time alone is re-checked: windows sliding, silences, quiet periods.")
                .define("dedup-window", ConfigDef.Type.DURATION, null, ConfigDef.atLeast(POSITIVE),
                        "How long an event's identity is remembered to drop duplicates; default: the longest "
                                + "time a rule counts over (a spike's two windows), at least 1m.")
                .define("dedup-max-entries", ConfigDef.Type.INT, "1000000", ConfigDef.atLeast(1),
                        "Identities remembered at most (about 32 bytes each); the oldest are forgotten first.")
                .define("samples", ConfigDef.Type.INT, "3", ConfigDef.between(0, 100), "Events an alert carries as examples.")
                .define("time", ConfigDef.Type.STRING, "event", ConfigDef.oneOf("event", "arrival"),
                        "`event`: windows are measured in the events' own time (`timestamp-field`); `arrival`: in the "
                                + "time they reach the monitor.")
                .defineParsed("timestamp-field", "a field path", MonitorSection::fieldPath,
                        "The field holding an event's time (`time: event`): ISO-8601 text or epoch milliseconds; "
                                + "events without a readable one count at their arrival; default: `timestamp`.")
                .define("allowed-lateness", ConfigDef.Type.DURATION, "30s", ConfigDef.atLeast(Duration.ZERO),
                        "How far behind the latest event time an event may be and still count in its window; later "
                                + "ones are counted as late (`polybus_monitor_events_total{outcome=\"late\"}`) and left out.")
                .define("notify-max-age", ConfigDef.Type.DURATION, "5m", ConfigDef.atLeast(Duration.ZERO),
                        "Notices about windows older than this (behind the monitor's clock) update the rules' state "
                                + "but are not sent: a replayed backlog does not alert.")
                .define("state-dir", ConfigDef.Type.STRING, null, ConfigDef.nonEmpty(),
                        "A directory where the rules' windows, firing alerts, known values and the dedup memory are "
                                + "kept across restarts (`monitor-<group>.state`); absent: a restart starts empty.")
                .define("snapshot-every", ConfigDef.Type.DURATION, "5s", ConfigDef.atLeast(POSITIVE),
                        "How often the state is written to `state-dir` (and after each notice, and on a clean stop); "
                                + "a crash loses the events counted since.")
                .defineParsed("rules", "a list of rules", MonitorSection::rules,
                        "At least one rule, each with a unique `name` and a `type`: " + RULE_TYPE_NAMES + ".")
                .required("rules")
                .defineParsed("notifiers", "a list of notifiers", (raw, path) -> notifiers(raw, path, providers),
                        "Where alerts go, each a mapping with its `type` and keys; default: `[{type: stdout}]`.")
                .define("engine", ConfigDef.Type.STRING, "embedded", ConfigDef.oneOf("embedded", "kafka-streams"),
                        "`embedded`: this process evaluates every event of the group; `kafka-streams`: the rules run "
                                + "as a Kafka Streams application shared by every monitor of the group (exact counts, "
                                + "one notice per alert with N monitors; Kafka broker only).")
                .define("alerts-topic", ConfigDef.Type.STRING, null, ConfigDef.nonEmpty(),
                        "`engine: kafka-streams`: the topic alerts are written to and notified from; default: "
                                + "`<group>-alerts`.")
                .define("alerts-partitions", ConfigDef.Type.INT, "1", ConfigDef.atLeast(1),
                        "`engine: kafka-streams`: the partitions `alerts-topic` is created with when missing: how many "
                                + "monitors notify at once (alerts are few; one partition keeps them in one order).")
                .passThrough(STREAMS_PREFIX, "`engine: kafka-streams`: any Kafka Streams property, e.g. "
                        + "`kafka-streams.bootstrap.servers` (required; in a `polybus` file, default: the Kafka "
                        + "`broker` section's `bootstrap-servers`) or `kafka-streams.num.standby.replicas`; "
                        + "`processing.guarantee` is `exactly_once_v2` unless set.")
                .build();
    }

    /** Reads a {@code monitor:} section (see {@link MonitorConfig#parse}). */
    public static MonitorConfig parse(Object section, String path, Map<String, NotifierProvider> providers) {
        if (section != null && !(section instanceof Map<?, ?>)) {
            throw new ConfigException(path, null, "expected a mapping of the monitor's keys (topic, rules, notifiers, ...)");
        }
        ProviderConfig c = keys(providers).parse((Map<?, ?>) section, path);
        @SuppressWarnings("unchecked")
        List<Rule> rules = c.get("rules", List.class);
        @SuppressWarnings("unchecked")
        List<NotifierSpec> notifiers = c.find("notifiers", List.class)
                .orElseGet(() -> notifiers(DEFAULT_NOTIFIERS, c.pathOf("notifiers"), providers));
        MonitorConfig.Engine engine = c.getEnum("engine", MonitorConfig.Engine.class);
        if (engine == MonitorConfig.Engine.KAFKA_STREAMS) {
            checkStreams(c);
        }
        return new MonitorConfig(c.getString("topic"), c.getString("group"), c.getInt("concurrency"),
                c.getDuration("evaluate-every"), c.find("dedup-window", Duration.class).orElse(null),
                c.getInt("dedup-max-entries"), c.getInt("samples"),
                MonitorConfig.TimeSource.valueOf(c.getString("time").toUpperCase(Locale.ROOT)),
                c.find("timestamp-field", FieldPath.class).orElse(FieldPath.of("timestamp")),
                c.getDuration("allowed-lateness"), c.getDuration("notify-max-age"),
                c.find("state-dir", String.class).map(Path::of).orElse(null), c.getDuration("snapshot-every"),
                rules, notifiers, engine, c.find("alerts-topic", String.class).orElse(c.getString("group") + "-alerts"),
                c.getInt("alerts-partitions"), c.passThrough());
    }

    /**
     * What {@code engine: kafka-streams} needs: the bootstrap servers.
     */
    private static void checkStreams(ProviderConfig c) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        if (!c.passThrough().containsKey("bootstrap.servers")) {
            problems.add(new ConfigException.Problem(c.pathOf(STREAMS_PREFIX + "bootstrap.servers"), null,
                    "required with engine: kafka-streams: the Kafka cluster's host:port list (in a polybus file, a "
                            + "Kafka broker section's bootstrap-servers when absent)"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private static List<Rule> rules(Object raw, String path) {
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
            throw new ConfigException(path, null, "expected a list of at least one rule, each a mapping with its name, type and keys");
        }
        return entries(list, path, "rule", entry -> entry.get("name"), Rule::name, (entry, at) -> {
            if (!(entry instanceof Map<?, ?> map)) {
                throw new ConfigException(at, null, "expected a mapping with the rule's name, type and keys");
            }
            Object typeRaw = map.get(ConfigDef.TYPE_KEY);
            RuleType type = typeRaw == null ? null : RULE_TYPES.get(String.valueOf(typeRaw));
            if (type == null) {
                throw new ConfigException(at + ".type", typeRaw == null ? null : String.valueOf(typeRaw),
                        (typeRaw == null ? "required: " : "unknown rule type; expected ") + "one of " + RULE_TYPE_NAMES);
            }
            return type.read().apply(type.keys().parse(map, at));
        });
    }

    private static Rule threshold(ProviderConfig c) {
        Duration window = c.getDuration("window");
        return new Rule.Threshold(c.getString("name"), c.getString("severity"), where(c), groupBy(c), window,
                c.getEnum("window-type", MonitorConfig.WindowType.class), c.getLong("above"),
                c.find("resolve-after", Duration.class).orElse(window), c.getInt("max-groups"));
    }

    private static Rule ratio(ProviderConfig c) {
        Duration window = c.getDuration("window");
        return new Rule.Ratio(c.getString("name"), c.getString("severity"), where(c), groupBy(c),
                c.find("of", Condition.class).orElse(Condition.ALWAYS), window, c.getDouble("above"),
                c.getLong("min-count"), c.find("resolve-after", Duration.class).orElse(window), c.getInt("max-groups"));
    }

    private static Rule spike(ProviderConfig c) {
        Duration window = c.getDuration("window");
        return new Rule.Spike(c.getString("name"), c.getString("severity"), where(c), groupBy(c), window,
                c.getDouble("factor"), c.getEnum("direction", MonitorConfig.Direction.class),
                c.find("baseline", Long.class).orElse(null), c.getLong("min-count"),
                c.find("resolve-after", Duration.class).orElse(window), c.getInt("max-groups"));
    }

    private static Rule aggregate(ProviderConfig c) {
        Duration window = c.getDuration("window");
        MonitorConfig.Comparison comparison = comparison(c);
        return new Rule.Aggregate(c.getString("name"), c.getString("severity"), where(c), groupBy(c),
                c.get("field", FieldPath.class), c.getEnum("function", MonitorConfig.Aggregation.class), window,
                comparison, c.getDouble(comparison == MonitorConfig.Comparison.ABOVE ? "above" : "below"),
                c.getLong("min-count"), c.find("resolve-after", Duration.class).orElse(window), c.getInt("max-groups"));
    }

    private static Rule cardinality(ProviderConfig c) {
        Duration window = c.getDuration("window");
        MonitorConfig.Comparison comparison = comparison(c);
        String boundKey = comparison == MonitorConfig.Comparison.ABOVE ? "above" : "below";
        long limit = c.getLong(boundKey);
        int maxValues = c.getInt("max-values");
        if (maxValues <= limit) {
            throw new ConfigException(c.pathOf("max-values"), String.valueOf(maxValues),
                    "expected a value more than " + boundKey + " (" + limit + "): distinct values are counted exactly up to it");
        }
        return new Rule.Cardinality(c.getString("name"), c.getString("severity"), where(c), groupBy(c),
                c.get("field", FieldPath.class), window, comparison, limit, maxValues,
                c.find("resolve-after", Duration.class).orElse(window), c.getInt("max-groups"));
    }

    private static Rule newTerm(ProviderConfig c) {
        return new Rule.NewTerm(c.getString("name"), c.getString("severity"), where(c), groupBy(c),
                c.get("field", FieldPath.class), c.getDuration("remember"), c.getDuration("learn-for"),
                c.getInt("max-terms"), c.getDuration("resolve-after"), c.getInt("max-groups"));
    }

    private static Rule flatline(ProviderConfig c) {
        Duration window = c.getDuration("window");
        return new Rule.Flatline(c.getString("name"), c.getString("severity"), where(c), groupBy(c), window,
                c.getLong("below"), expected(c), c.find("resolve-after", Duration.class).orElse(window),
                c.getInt("max-groups"));
    }

    /** Which of {@code above} and {@code below} is given: exactly one must be. */
    private static MonitorConfig.Comparison comparison(ProviderConfig c) {
        boolean above = c.has("above");
        boolean below = c.has("below");
        if (above && below) {
            throw new ConfigException(c.pathOf("below"), null, "either above or below, not both");
        }
        if (!above && !below) {
            throw new ConfigException(c.pathOf("above"), null, "required: above or below (one of them)");
        }
        return above ? MonitorConfig.Comparison.ABOVE : MonitorConfig.Comparison.BELOW;
    }

    private static String fraction(Object value) {
        double d = ((Number) value).doubleValue();
        return d >= 0 && d <= 1 ? null : "a fraction from 0 to 1, such as 0.05 for 5%";
    }

    private static String overOne(Object value) {
        return ((Number) value).doubleValue() > 1 ? null : "a number greater than 1, such as 3";
    }

    private static Rule match(ProviderConfig c) {
        Condition where = where(c);
        if (where.fields().isEmpty()) {
            throw new ConfigException(c.pathOf("where"), null, "expected at least one condition an event must meet");
        }
        return new Rule.Match(c.getString("name"), c.getString("severity"), where, groupBy(c),
                c.getDuration("resolve-after"), c.getInt("max-groups"));
    }

    private static Rule absence(ProviderConfig c) {
        return new Rule.Absence(c.getString("name"), c.getString("severity"), where(c), groupBy(c),
                c.getDuration("for"), expected(c), c.getInt("max-groups"));
    }

    /** The {@code expected} values of an absence or a flatline, which need {@code group-by}. */
    private static List<String> expected(ProviderConfig c) {
        List<String> expected = c.has("expected") ? c.getList("expected") : List.of();
        if (!expected.isEmpty() && groupBy(c) == null) {
            throw new ConfigException(c.pathOf("expected"), null, "needs group-by: the field whose values are expected");
        }
        return expected;
    }

    private static Condition where(ProviderConfig c) {
        return c.find("where", Condition.class).orElse(Condition.ALWAYS);
    }

    private static FieldPath groupBy(ProviderConfig c) {
        return c.find("group-by", FieldPath.class).orElse(null);
    }

    private static FieldPath fieldPath(Object raw, String path) {
        String text = raw instanceof Map<?, ?> || raw instanceof List<?> || raw == null ? null : String.valueOf(raw);
        if (!FieldPath.isValid(text)) {
            throw new ConfigException(path, text, "expected " + FieldPath.ACCEPTED);
        }
        return FieldPath.of(text);
    }

    private static List<NotifierSpec> notifiers(Object raw, String path, Map<String, NotifierProvider> providers) {
        if (!(raw instanceof List<?> list)) {
            throw new ConfigException(path, null, "expected a list of notifiers, each a mapping with its type and keys");
        }
        // an unnamed notifier is named after its type, in messages as in meters
        return entries(list, path, "notifier", entry -> entry.get("name") != null ? entry.get("name") : entry.get(ConfigDef.TYPE_KEY),
                NotifierSpec::name, (entry, at) -> {
                    ComponentSpec<NotifierProvider> spec = Components.parse("notifier", providers, NOTIFIER_KEYS, entry, at, null);
                    return new NotifierSpec(spec.config().findString("name").orElse(spec.type()), spec);
                });
    }

    /**
     * Reads every entry of a list of rules or notifiers with {@code reader} (the entry and its path; it throws a
     * ConfigException naming every problem of the entry), collecting the problems of all, each followed by the
     * name of its entry; names must be unique.
     */
    private static <T> List<T> entries(List<?> list, String path, String kind, Function<Map<?, ?>, Object> shownName,
                                       Function<T, String> nameOf, BiFunction<Object, String, T> reader) {
        List<T> read = new ArrayList<>();
        List<ConfigException.Problem> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = path + "[" + i + "]";
            Object entry = list.get(i);
            String owner = entry instanceof Map<?, ?> m ? owner(kind, shownName.apply(m)) : "";
            try {
                T t = reader.apply(entry, at);
                if (!names.add(nameOf.apply(t))) {
                    problems.add(new ConfigException.Problem(at + ".name" + owner, nameOf.apply(t),
                            "another " + kind + " has this name; names must be unique"));
                }
                read.add(t);
            } catch (ConfigException e) {
                problems.addAll(e.problems().stream()
                        .map(p -> new ConfigException.Problem(p.key() + owner, p.value(), p.accepted())).toList());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return List.copyOf(read);
    }

    /** {@code " (rule 'nginx-5xx')"} when the entry has a name to show, else nothing. */
    private static String owner(String kind, Object name) {
        if (name == null || name instanceof Map<?, ?> || name instanceof List<?> || String.valueOf(name).isBlank()) {
            return "";
        }
        return " (" + kind + " '" + name + "')";
    }

    private static ConfigDef.Builder all(ConfigDef own) {
        return ConfigDef.builder(own.kind(), own.name()).include(RULE_KEYS).include(own);
    }

    private static Map<String, ConfigDef> orderedOf(ConfigDef... defs) {
        Map<String, ConfigDef> byName = new LinkedHashMap<>();
        for (ConfigDef d : defs) {
            byName.put(d.name(), d);
        }
        return Collections.unmodifiableMap(byName);
    }
}
