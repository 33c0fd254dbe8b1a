package io.polybus.monitor.internal;

import io.polybus.events.FieldPath;
import io.polybus.ConfigException;
import io.polybus.ConfigException.Problem;
import io.polybus.monitor.MonitorConfig;
import io.polybus.monitor.MonitorConfig.Condition;
import io.polybus.monitor.MonitorConfig.NotifierSpec;
import io.polybus.monitor.MonitorConfig.Rule;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Checks what binding cannot: required keys, ranges, regexes, field paths, unique names. */
public final class ConfigValidator {
    private final List<Problem> problems = new ArrayList<>();

    private ConfigValidator() {
    }

    /** @throws ConfigException listing every problem, each naming its path and rule or notifier */
    public static void validate(MonitorConfig config, String path) {
        ConfigValidator v = new ConfigValidator();
        v.check(config, path);
        if (!v.problems.isEmpty()) {
            throw new ConfigException(v.problems);
        }
    }

    private void check(MonitorConfig c, String path) {
        if (c.topic().isBlank()) {
            problems.add(new Problem(path + ".topic", c.topic(), "must not be blank"));
        }
        if (c.group().isBlank()) {
            problems.add(new Problem(path + ".group", c.group(), "must not be blank"));
        }
        atLeast(c.concurrency(), 1, path + ".concurrency");
        positive(c.evaluateEvery(), path + ".evaluate-every");
        if (c.dedupWindow() != null) {
            positive(c.dedupWindow(), path + ".dedup-window");
        }
        atLeast(c.dedupMaxEntries(), 1, path + ".dedup-max-entries");
        if (c.samples() < 0 || c.samples() > 100) {
            problems.add(new Problem(path + ".samples", String.valueOf(c.samples()), "a number from 0 to 100"));
        }
        if (c.rules().isEmpty()) {
            problems.add(new Problem(path + ".rules", null, "at least one rule is required"));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < c.rules().size(); i++) {
            Rule rule = c.rules().get(i);
            String at = path + ".rules[" + i + "]";
            if (rule.name() == null || rule.name().isBlank()) {
                problems.add(new Problem(at + ".name", null, "required: a unique name for the rule"));
                checkRule(rule, at, "");
            } else {
                if (!names.add(rule.name())) {
                    problems.add(new Problem(at + ".name (rule '" + rule.name() + "')", rule.name(), "another rule has this name; names must be unique"));
                }
                checkRule(rule, at, " (rule '" + rule.name() + "')");
            }
        }
        Set<String> notifierNames = new HashSet<>();
        for (int i = 0; i < c.notifiers().size(); i++) {
            NotifierSpec n = c.notifiers().get(i);
            String at = path + ".notifiers[" + i + "]";
            String owner = " (notifier '" + n.name() + "')";
            if (!notifierNames.add(n.name())) {
                problems.add(new Problem(at + ".name" + owner, n.name(), "another notifier has this name; set a unique name"));
            }
            checkNotifier(n, at, owner);
        }
    }

    private void checkRule(Rule rule, String at, String owner) {
        for (int j = 0; j < rule.where().size(); j++) {
            checkCondition(rule.where().get(j), at + ".where[" + j + "]", owner);
        }
        if (rule.groupBy() != null && !FieldPath.isValid(rule.groupBy())) {
            problems.add(new Problem(at + ".group-by" + owner, rule.groupBy(), FieldPath.ACCEPTED));
        }
        if (rule instanceof Rule.Threshold t) {
            if (t.window() == null) {
                problems.add(new Problem(at + ".window" + owner, null, "required: " + Durations.ACCEPTED));
            } else {
                positive(t.window(), at + ".window" + owner);
            }
            if (t.above() == null) {
                problems.add(new Problem(at + ".above" + owner, null, "required: the count the window must exceed to fire"));
            } else if (t.above() < 0) {
                problems.add(new Problem(at + ".above" + owner, String.valueOf(t.above()), "a whole number of 0 or more"));
            }
            if (t.resolveAfter() != null && t.resolveAfter().isNegative()) {
                problems.add(new Problem(at + ".resolve-after" + owner, Durations.format(t.resolveAfter()), "must not be negative"));
            }
            atLeast(t.maxGroups(), 1, at + ".max-groups" + owner);
        } else if (rule instanceof Rule.Match m) {
            if (m.where().isEmpty()) {
                problems.add(new Problem(at + ".where" + owner, null, "required: at least one condition an event must meet"));
            }
            positive(m.resolveAfter(), at + ".resolve-after" + owner);
            atLeast(m.maxGroups(), 1, at + ".max-groups" + owner);
        } else if (rule instanceof Rule.Absence a) {
            if (a.silence() == null) {
                problems.add(new Problem(at + ".for" + owner, null, "required: " + Durations.ACCEPTED));
            } else {
                positive(a.silence(), at + ".for" + owner);
            }
            atLeast(a.maxGroups(), 1, at + ".max-groups" + owner);
            if (!a.expected().isEmpty() && a.groupBy() == null) {
                problems.add(new Problem(at + ".expected" + owner, null, "needs group-by: the field whose values are expected"));
            }
        }
    }

    private void checkCondition(Condition c, String at, String owner) {
        if (c.field() == null) {
            problems.add(new Problem(at + ".field" + owner, null, "required: " + FieldPath.ACCEPTED));
        } else if (!FieldPath.isValid(c.field())) {
            problems.add(new Problem(at + ".field" + owner, c.field(), FieldPath.ACCEPTED));
        }
        int operators = 0;
        for (Object op : new Object[]{c.equals(), c.notEquals(), c.gt(), c.gte(), c.lt(), c.lte(), c.in(), c.contains(), c.matches(), c.exists()}) {
            if (op != null) {
                operators++;
            }
        }
        if (operators != 1) {
            problems.add(new Problem(at + owner, null, (operators == 0 ? "no operator" : operators + " operators")
                    + "; give exactly one of: equals, not-equals, gt, gte, lt, lte, in, contains, matches, exists"));
        }
        if (c.matches() != null) {
            try {
                Pattern.compile(c.matches());
            } catch (PatternSyntaxException e) {
                problems.add(new Problem(at + ".matches" + owner, c.matches(), "a Java regular expression: " + e.getDescription()));
            }
        }
    }

    private void checkNotifier(NotifierSpec n, String at, String owner) {
        if (n instanceof NotifierSpec.Stdout s) {
            if (!s.format().equals("text") && !s.format().equals("json")) {
                problems.add(new Problem(at + ".format" + owner, s.format(), "text or json"));
            }
        } else if (n instanceof NotifierSpec.File f) {
            if (f.path() == null || f.path().isBlank()) {
                problems.add(new Problem(at + ".path" + owner, null, "required: the file alerts are appended to"));
            }
        } else if (n instanceof NotifierSpec.Webhook w) {
            if (w.url() == null) {
                problems.add(new Problem(at + ".url" + owner, null, "required: an http or https URL"));
            } else {
                checkUrl(w.url(), at + ".url" + owner);
            }
            positive(w.timeout(), at + ".timeout" + owner);
            atLeast(w.retries(), 0, at + ".retries" + owner);
            positive(w.backoff(), at + ".backoff" + owner);
            positive(w.maxBackoff(), at + ".max-backoff" + owner);
        } else if (n instanceof NotifierSpec.Topic t) {
            if (t.topic().isBlank()) {
                problems.add(new Problem(at + ".topic" + owner, t.topic(), "must not be blank"));
            }
        }
    }

    private void checkUrl(String url, String key) {
        try {
            URI uri = new URI(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                problems.add(new Problem(key, null, "an http or https URL with a host (the URL is not shown: it may hold a secret)"));
            }
        } catch (URISyntaxException e) {
            problems.add(new Problem(key, null, "an http or https URL (the URL is not shown: it may hold a secret)"));
        }
    }

    private void positive(Duration d, String key) {
        if (d.isZero() || d.isNegative()) {
            problems.add(new Problem(key, Durations.format(d), "must be more than 0: " + Durations.ACCEPTED));
        }
    }

    private void atLeast(int value, int min, String key) {
        if (value < min) {
            problems.add(new Problem(key, String.valueOf(value), "a whole number of " + min + " or more"));
        }
    }
}
