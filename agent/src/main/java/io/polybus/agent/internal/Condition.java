package io.polybus.agent.internal;

import io.polybus.events.LogEvent;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A test on an event, for the {@code filter} processor: {@code {field: status, gte: 500}},
 * {@code {field: request_uri, matches: "^/health"}}, {@code {field: level, in: [DEBUG, TRACE]}},
 * {@code {field: user, exists: false}}, {@code {tag: _json_parse_failure}}; several tests in one condition
 * must all hold. {@code field: message} tests the line itself.
 */
final class Condition {
    private final Predicate<LogEvent> test;

    private Condition(Predicate<LogEvent> test) {
        this.test = test;
    }

    boolean test(LogEvent event) {
        return test.test(event);
    }

    static Condition parse(ConfigNode node) {
        List<Predicate<LogEvent>> tests = new ArrayList<>();
        String tag = node.string("tag", null);
        if (tag != null) {
            tests.add(e -> e.hasTag(tag));
        }
        String field = node.string("field", null);
        String equals = node.string("equals", null);
        Pattern matches = node.pattern("matches");
        List<String> in = node.strings("in");
        boolean hasExists = node.has("exists");
        boolean exists = node.bool("exists", true);
        BigDecimal gt = number(node, "gt");
        BigDecimal gte = number(node, "gte");
        BigDecimal lt = number(node, "lt");
        BigDecimal lte = number(node, "lte");
        boolean fieldTests = equals != null || matches != null || !in.isEmpty() || hasExists
                || gt != null || gte != null || lt != null || lte != null;
        if (fieldTests && field == null) {
            node.problem("field", null, "required with equals, matches, in, exists, gt, gte, lt or lte");
        }
        if (!fieldTests && tag == null) {
            node.problem("a test: field with equals, matches, in, exists, gt, gte, lt or lte; or tag");
        }
        node.finish();
        if (field != null) {
            if (hasExists) {
                tests.add(e -> (value(e, field) != null) == exists);
            }
            if (equals != null) {
                tests.add(e -> equals.equals(string(value(e, field))));
            }
            if (matches != null) {
                tests.add(e -> {
                    String s = string(value(e, field));
                    return s != null && matches.matcher(s).find();
                });
            }
            if (!in.isEmpty()) {
                Set<String> set = Set.copyOf(in);
                tests.add(e -> set.contains(string(value(e, field))));
            }
            addCompare(tests, field, gt, c -> c > 0);
            addCompare(tests, field, gte, c -> c >= 0);
            addCompare(tests, field, lt, c -> c < 0);
            addCompare(tests, field, lte, c -> c <= 0);
        }
        return new Condition(e -> {
            for (Predicate<LogEvent> t : tests) {
                if (!t.test(e)) {
                    return false;
                }
            }
            return true;
        });
    }

    private interface IntTest {
        boolean test(int comparison);
    }

    private static void addCompare(List<Predicate<LogEvent>> tests, String field, BigDecimal bound, IntTest ok) {
        if (bound == null) {
            return;
        }
        tests.add(e -> {
            BigDecimal v = decimal(value(e, field));
            return v != null && ok.test(v.compareTo(bound));
        });
    }

    private static BigDecimal number(ConfigNode node, String key) {
        String v = node.string(key, null);
        if (v == null) {
            return null;
        }
        BigDecimal d = decimal(v);
        if (d == null) {
            node.problem(key, v, "expected a number");
        }
        return d;
    }

    private static Object value(LogEvent e, String field) {
        return field.equals("message") ? e.message() : e.fields().get(field);
    }

    private static String string(Object v) {
        return v == null ? null : String.valueOf(v);
    }

    private static BigDecimal decimal(Object v) {
        if (v == null) {
            return null;
        }
        try {
            return new BigDecimal(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
