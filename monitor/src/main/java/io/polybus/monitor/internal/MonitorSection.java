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

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
    public static final Map<String, ConfigDef> RULE_TYPE_KEYS = orderedOf(THRESHOLD, MATCH, ABSENCE);

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
                                + "threshold window, at least 1m.")
                .define("dedup-max-entries", ConfigDef.Type.INT, "1000000", ConfigDef.atLeast(1),
                        "Identities remembered at most (about 32 bytes each); the oldest are forgotten first.")
                .define("samples", ConfigDef.Type.INT, "3", ConfigDef.between(0, 100), "Events an alert carries as examples.")
                .defineParsed("rules", "a list of rules", MonitorSection::rules,
                        "At least one rule, each with a unique `name` and a `type`: " + RULE_TYPE_NAMES + ".")
                .required("rules")
                .defineParsed("notifiers", "a list of notifiers", (raw, path) -> notifiers(raw, path, providers),
                        "Where alerts go, each a mapping with its `type` and keys; default: `[{type: stdout}]`.")
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
        return new MonitorConfig(c.getString("topic"), c.getString("group"), c.getInt("concurrency"),
                c.getDuration("evaluate-every"), c.find("dedup-window", Duration.class).orElse(null),
                c.getInt("dedup-max-entries"), c.getInt("samples"), rules, notifiers);
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

    private static Rule match(ProviderConfig c) {
        Condition where = where(c);
        if (where.fields().isEmpty()) {
            throw new ConfigException(c.pathOf("where"), null, "expected at least one condition an event must meet");
        }
        return new Rule.Match(c.getString("name"), c.getString("severity"), where, groupBy(c),
                c.getDuration("resolve-after"), c.getInt("max-groups"));
    }

    private static Rule absence(ProviderConfig c) {
        List<String> expected = c.has("expected") ? c.getList("expected") : List.of();
        FieldPath groupBy = groupBy(c);
        if (!expected.isEmpty() && groupBy == null) {
            throw new ConfigException(c.pathOf("expected"), null, "needs group-by: the field whose values are expected");
        }
        return new Rule.Absence(c.getString("name"), c.getString("severity"), where(c), groupBy,
                c.getDuration("for"), expected, c.getInt("max-groups"));
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
