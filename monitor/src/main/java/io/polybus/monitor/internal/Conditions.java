package io.polybus.monitor.internal;

import io.polybus.events.FieldPath;
import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.monitor.MonitorConfig.Condition;

import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Compiles validated {@link Condition}s into predicates over event JSON. Numbers compare as numbers (a numeric
 * string in the event counts as its number); everything else compares as text. A missing field meets only
 * {@code not-equals} and {@code exists: false}.
 */
public final class Conditions {
    private Conditions() {
    }

    /** All of {@code conditions}; an empty list accepts every event. */
    public static Predicate<JsonNode> all(List<Condition> conditions) {
        List<Predicate<JsonNode>> compiled = conditions.stream().map(Conditions::compile).toList();
        if (compiled.isEmpty()) {
            return e -> true;
        }
        if (compiled.size() == 1) {
            return compiled.get(0);
        }
        return e -> {
            for (Predicate<JsonNode> p : compiled) {
                if (!p.test(e)) {
                    return false;
                }
            }
            return true;
        };
    }

    static Predicate<JsonNode> compile(Condition c) {
        FieldPath path = FieldPath.of(c.field());
        Predicate<JsonNode> value;
        if (c.equals() != null) {
            JsonNode expected = c.equals();
            value = v -> sameValue(v, expected);
        } else if (c.notEquals() != null) {
            JsonNode unexpected = c.notEquals();
            return e -> !sameValue(path.in(e), unexpected);
        } else if (c.gt() != null) {
            double bound = c.gt();
            value = v -> number(v) > bound;
        } else if (c.gte() != null) {
            double bound = c.gte();
            value = v -> number(v) >= bound;
        } else if (c.lt() != null) {
            double bound = c.lt();
            value = v -> number(v) < bound;
        } else if (c.lte() != null) {
            double bound = c.lte();
            value = v -> number(v) <= bound;
        } else if (c.in() != null) {
            List<JsonNode> options = c.in();
            value = v -> options.stream().anyMatch(o -> sameValue(v, o));
        } else if (c.contains() != null) {
            String part = c.contains();
            value = v -> v.isValueNode() && v.asText().contains(part);
        } else if (c.matches() != null) {
            Pattern pattern = Pattern.compile(c.matches());
            value = v -> v.isValueNode() && pattern.matcher(v.asText()).find();
        } else {
            boolean wanted = c.exists();
            return e -> present(path.in(e)) == wanted;
        }
        return e -> {
            JsonNode v = path.in(e);
            return present(v) && value.test(v);
        };
    }

    private static boolean present(JsonNode v) {
        return !v.isMissingNode() && !v.isNull();
    }

    /** NaN (never compares true) unless {@code v} is a number or a numeric string. */
    private static double number(JsonNode v) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private static boolean sameValue(JsonNode actual, JsonNode expected) {
        if (!present(actual)) {
            return false;
        }
        if (expected.isNumber()) {
            double n = number(actual);
            return n == expected.asDouble();
        }
        return actual.isValueNode() && actual.asText().equals(expected.asText());
    }
}
