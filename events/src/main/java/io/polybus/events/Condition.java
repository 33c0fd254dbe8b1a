package io.polybus.events;

import io.polybus.ConfigException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The one condition language of Polybus: processors' {@code drop-when} and {@code keep-when}, rules'
 * {@code where}, routes. Written in YAML as
 *
 * <ul>
 * <li>a test: a {@code field} ({@link FieldPath}: {@code fields.status} or {@code status}, {@code host},
 *     {@code message}, {@code source.path}, {@code tags}) and exactly one operator:
 *     {@code equals}, {@code not-equals}, {@code in} (a list), {@code gt}, {@code gte}, {@code lt}, {@code lte},
 *     {@code contains}, {@code matches} (a Java regular expression, found anywhere), {@code exists} (true or
 *     false) &mdash; {@code {field: status, gte: 500}};</li>
 * <li>{@code {all: [...]}}, {@code {any: [...]}} or {@code {not: ...}} over conditions;</li>
 * <li>a list of conditions, which must all hold.</li>
 * </ul>
 *
 * <p>One semantics everywhere. A number given in the condition compares as a number with a field that is a number
 * or a numeric string ({@code {field: status, equals: 500}} holds for {@code 500} and {@code "500"}); whole numbers
 * compare exactly, others as doubles; anything else compares as text. {@code contains} finds text in a string, or
 * an element in a list ({@code {field: tags, contains: _json_parse_failure}}). A missing field meets only
 * {@code not-equals} and {@code exists: false}.
 *
 * <p>Immutable and thread-safe.
 */
public abstract class Condition {
    /** The operators of a test. */
    public static final List<String> OPERATORS = List.of("equals", "not-equals", "in", "gt", "gte", "lt", "lte",
            "contains", "matches", "exists");
    /** What a condition looks like, for error messages. */
    public static final String ACCEPTED = "a condition: {field: <path>, <operator>: <value>} with one of "
            + String.join(", ", OPERATORS) + "; or {all: [...]}, {any: [...]}, {not: ...}; or a list (all must hold)";

    /** Holds for every event (an empty list). */
    public static final Condition ALWAYS = new All(List.of());

    private Condition() {
    }

    /** Whether the event meets the condition. */
    public abstract boolean test(FieldSource event);

    /** The fields the condition reads. */
    public abstract Set<FieldPath> fields();

    /** How dear a test is: comparisons 1, {@code contains} 2, {@code matches} 3; a combination, its dearest part. */
    int cost() {
        return 1;
    }

    /** The parts cheapest first, so that a comparison that decides spares a regular expression its scan. */
    private static Condition[] cheapestFirst(Condition[] parts) {
        Condition[] order = parts.clone();
        Arrays.sort(order, Comparator.comparingInt(Condition::cost));
        return order;
    }

    private static int dearest(Condition[] parts) {
        int max = 1;
        for (Condition c : parts) {
            max = Math.max(max, c.cost());
        }
        return max;
    }

    /**
     * Reads a condition from a YAML tree (a map or a list of them); for a {@link io.polybus.spi.ConfigDef} key,
     * {@code ConfigDef.Builder.defineParsed(name, "a condition", Condition::parse, doc)}.
     *
     * @param path where the condition is in its file, for problems
     * @throws ConfigException naming every problem with its full path
     */
    public static Condition parse(Object raw, String path) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Condition c = parse(raw, path, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return c;
    }

    private static Condition parse(Object raw, String path, List<ConfigException.Problem> problems) {
        if (raw instanceof List<?> list) {
            return new All(children(list, path, problems));
        }
        if (!(raw instanceof Map<?, ?> map) || map.isEmpty()) {
            problems.add(new ConfigException.Problem(path, null, "expected " + ACCEPTED));
            return ALWAYS;
        }
        for (String combinator : List.of("all", "any", "not")) {
            if (map.containsKey(combinator)) {
                if (map.size() != 1) {
                    problems.add(new ConfigException.Problem(path, null, "'" + combinator
                            + "' stands alone in its condition; found also " + others(map, combinator)));
                    return ALWAYS;
                }
                Object inner = map.get(combinator);
                String at = path + "." + combinator;
                if (combinator.equals("not")) {
                    return new Not(parse(inner, at, problems));
                }
                if (!(inner instanceof List<?> list) || list.isEmpty()) {
                    problems.add(new ConfigException.Problem(at, null, "expected a non-empty list of conditions"));
                    return ALWAYS;
                }
                List<Condition> parts = children(list, at, problems);
                return combinator.equals("all") ? new All(parts) : new Any(parts);
            }
        }
        return test(map, path, problems);
    }

    private static List<Condition> children(List<?> list, String path, List<ConfigException.Problem> problems) {
        List<Condition> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(parse(list.get(i), path + "[" + i + "]", problems));
        }
        return List.copyOf(out);
    }

    private static String others(Map<?, ?> map, String key) {
        List<String> names = new ArrayList<>();
        map.keySet().forEach(k -> {
            if (!k.equals(key)) {
                names.add(String.valueOf(k));
            }
        });
        return String.join(", ", names);
    }

    private static Condition test(Map<?, ?> map, String path, List<ConfigException.Problem> problems) {
        List<String> operators = new ArrayList<>();
        for (Object k : map.keySet()) {
            String key = String.valueOf(k);
            if (OPERATORS.contains(key)) {
                operators.add(key);
            } else if (!key.equals("field")) {
                problems.add(new ConfigException.Problem(path + "." + key, null, "unknown key in a condition; expected field and one of "
                        + String.join(", ", OPERATORS) + ", or all, any, not"));
                return ALWAYS;
            }
        }
        Object fieldRaw = map.get("field");
        FieldPath field = null;
        if (fieldRaw == null || fieldRaw instanceof Map<?, ?> || fieldRaw instanceof List<?>) {
            problems.add(new ConfigException.Problem(path + ".field", null, "required: " + FieldPath.ACCEPTED));
        } else if (!FieldPath.isValid(String.valueOf(fieldRaw))) {
            problems.add(new ConfigException.Problem(path + ".field", String.valueOf(fieldRaw), "expected " + FieldPath.ACCEPTED));
        } else {
            field = FieldPath.of(String.valueOf(fieldRaw));
        }
        if (operators.size() != 1) {
            problems.add(new ConfigException.Problem(path, null, (operators.isEmpty() ? "no operator" : operators.size()
                    + " operators (" + String.join(", ", operators) + ")") + "; give exactly one of " + String.join(", ", OPERATORS)));
            return ALWAYS;
        }
        String op = operators.get(0);
        Object value = map.get(op);
        String at = path + "." + op;
        Test t = switch (op) {
            case "equals", "not-equals", "contains" -> scalar(value, at, problems) ? new Test(field, op, Value.of(value)) : null;
            case "in" -> in(field, value, at, problems);
            case "gt", "gte", "lt", "lte" -> {
                Value v = Value.of(value);
                if (!v.numeric()) {
                    problems.add(new ConfigException.Problem(at, text(value), "expected a number"));
                    yield null;
                }
                yield new Test(field, op, v);
            }
            case "matches" -> matches(field, value, at, problems);
            default -> exists(field, value, at, problems);
        };
        return t == null || field == null ? ALWAYS : t;
    }

    private static boolean scalar(Object value, String at, List<ConfigException.Problem> problems) {
        if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
            problems.add(new ConfigException.Problem(at, null, "expected a single value"));
            return false;
        }
        return true;
    }

    private static Test in(FieldPath field, Object value, String at, List<ConfigException.Problem> problems) {
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            problems.add(new ConfigException.Problem(at, null, "expected a non-empty list of values"));
            return null;
        }
        List<Value> options = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (scalar(list.get(i), at + "[" + i + "]", problems)) {
                options.add(Value.of(list.get(i)));
            }
        }
        return new Test(field, "in", null, List.copyOf(options), null, false);
    }

    private static Test matches(FieldPath field, Object value, String at, List<ConfigException.Problem> problems) {
        if (!scalar(value, at, problems)) {
            return null;
        }
        try {
            return new Test(field, "matches", null, null, Pattern.compile(String.valueOf(value)), false);
        } catch (PatternSyntaxException e) {
            problems.add(new ConfigException.Problem(at, String.valueOf(value), "expected a Java regular expression: " + e.getDescription()));
            return null;
        }
    }

    private static Test exists(FieldPath field, Object value, String at, List<ConfigException.Problem> problems) {
        String text = text(value);
        if (!"true".equalsIgnoreCase(text) && !"false".equalsIgnoreCase(text)) {
            problems.add(new ConfigException.Problem(at, text, "expected true or false"));
            return null;
        }
        return new Test(field, "exists", null, null, null, Boolean.parseBoolean(text.toLowerCase()));
    }

    private static String text(Object value) {
        return value == null || value instanceof Map<?, ?> || value instanceof List<?> ? null : String.valueOf(value);
    }

    /** A value given in a condition, with its number (if it is one) worked out once. */
    private record Value(String text, boolean numeric, boolean integral, long longValue, double doubleValue) {
        static Value of(Object raw) {
            String text = String.valueOf(raw);
            Number n = raw instanceof Number num ? num : parseNumber(text);
            if (n == null || raw instanceof Boolean) {
                return new Value(text, false, false, 0, Double.NaN);
            }
            boolean integral = isIntegral(n);
            return new Value(text, true, integral, integral ? n.longValue() : 0, n.doubleValue());
        }
    }

    private static boolean isIntegral(Number n) {
        return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte;
    }

    /** The number a text holds, or null: whole numbers as Long, others as Double. */
    private static Number parseNumber(String text) {
        if (text.isEmpty() || text.length() > 40) {
            return null;
        }
        char c = text.charAt(0);
        if (!(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            try {
                BigDecimal d = new BigDecimal(text);
                return d.doubleValue();
            } catch (NumberFormatException e2) {
                return null;
            }
        }
    }

    /** A field's value as a number, or null when it is none. */
    private static Number number(Object actual) {
        if (actual instanceof Number n) {
            return n;
        }
        return actual instanceof String s ? parseNumber(s.trim()) : null;
    }

    private static boolean isScalar(Object actual) {
        return actual instanceof String || actual instanceof Number || actual instanceof Boolean;
    }

    /** Compares a field's value with a number; {@code null} when the value is not a number. */
    private static Integer compare(Object actual, Value expected) {
        Number n = number(actual);
        if (n == null) {
            return null;
        }
        if (expected.integral() && isIntegral(n)) {
            return Long.compare(n.longValue(), expected.longValue());
        }
        double d = n.doubleValue();
        return Double.isNaN(d) ? null : Double.compare(d, expected.doubleValue());
    }

    private static boolean same(Object actual, Value expected) {
        if (!isScalar(actual)) {
            return false;
        }
        if (expected.numeric()) {
            Integer c = compare(actual, expected);
            if (c != null) {
                return c == 0;
            }
        }
        return String.valueOf(actual).equals(expected.text());
    }

    /** A field and one operator. */
    private static final class Test extends Condition {
        private final FieldPath field;
        private final String op;
        private final Value value;
        private final List<Value> options;
        private final Pattern pattern;
        private final boolean exists;
        /** Whether the operator orders (gt, gte, lt, lte). */
        private final boolean compares;
        /** A matcher per thread, reset for each value: no allocation per event. */
        private final ThreadLocal<Matcher> matcher;
        /** The texts a match must start with, looked for before the expression scans. */
        private final Prefilter prefilter;

        Test(FieldPath field, String op, Value value) {
            this(field, op, value, null, null, false);
        }

        Test(FieldPath field, String op, Value value, List<Value> options, Pattern pattern, boolean exists) {
            this.field = field;
            this.op = op;
            this.value = value;
            this.options = options;
            this.pattern = pattern;
            this.exists = exists;
            this.compares = op.startsWith("gt") || op.startsWith("lt");
            this.matcher = pattern == null ? null : ThreadLocal.withInitial(() -> pattern.matcher(""));
            this.prefilter = pattern == null ? null : Prefilter.of(pattern.pattern());
        }

        @Override
        public boolean test(FieldSource event) {
            if (event instanceof JsonEvent json) {
                int at = json.slot(field);
                if (at != JsonEvent.NOT_INDEXED) {
                    return test(json, at);
                }
            }
            return test(event.get(field));
        }

        /**
         * The test on entry {@code at} of an event read from its bytes: a number compared with a number is read
         * from the bytes, not boxed; a string is decoded once for all the conditions that read it.
         */
        private boolean test(JsonEvent event, int at) {
            if (at < 0) {
                return test((Object) null);
            }
            int kind = event.kind(at);
            if (kind == JsonEvent.STRING) {
                return test(event.string(at));
            }
            if (kind == JsonEvent.NUMBER && (compares || (value != null && value.numeric()
                    && (op.equals("equals") || op.equals("not-equals"))))) {
                int c = event.isLong(at) && value.integral()
                        ? Long.compare(event.longAt(at), value.longValue())
                        : Double.compare(event.doubleAt(at), value.doubleValue());
                return switch (op) {
                    case "gt" -> c > 0;
                    case "gte" -> c >= 0;
                    case "lt" -> c < 0;
                    case "lte" -> c <= 0;
                    case "equals" -> c == 0;
                    default -> c != 0;
                };
            }
            return test(event.get(field));
        }

        private boolean test(Object actual) {
            switch (op) {
                case "exists":
                    return (actual != null) == exists;
                case "not-equals":
                    return actual == null || !same(actual, value);
                default:
                    break;
            }
            if (actual == null) {
                return false;
            }
            return switch (op) {
                case "equals" -> same(actual, value);
                case "in" -> {
                    for (Value o : options) {
                        if (same(actual, o)) {
                            yield true;
                        }
                    }
                    yield false;
                }
                case "gt", "gte", "lt", "lte" -> {
                    Integer c = compare(actual, value);
                    yield c != null && switch (op) {
                        case "gt" -> c > 0;
                        case "gte" -> c >= 0;
                        case "lt" -> c < 0;
                        default -> c <= 0;
                    };
                }
                case "contains" -> {
                    if (actual instanceof List<?> list) {
                        for (Object item : list) {
                            if (same(item, value)) {
                                yield true;
                            }
                        }
                        yield false;
                    }
                    yield isScalar(actual) && String.valueOf(actual).contains(value.text());
                }
                case "matches" -> {
                    if (!isScalar(actual)) {
                        yield false;
                    }
                    String text = String.valueOf(actual);
                    int start = prefilter.start(text);
                    // No match starts before the first literal: the scan starts there, seeing the text before it
                    // (a find from an index keeps the whole text as the region).
                    yield start >= 0 && matcher.get().reset(text).find(start);
                }
                default -> throw new IllegalStateException(op);
            };
        }

        @Override
        int cost() {
            return op.equals("matches") ? 3 : op.equals("contains") ? 2 : 1;
        }

        @Override
        public Set<FieldPath> fields() {
            return Set.of(field);
        }

        @Override
        public String toString() {
            return "{field: " + field + ", " + op + ": " + (value != null ? value.text() : options != null
                    ? options.stream().map(Value::text).toList() : pattern != null ? pattern.pattern() : exists) + "}";
        }
    }

    /**
     * What a text must contain for a regular expression to be found in it: the literal start of each of its top-level
     * alternatives ({@code (?i)sqlmap|nikto} needs {@code sqlmap} or {@code nikto}, in any case). A text without any
     * is rejected by a plain search instead of a scan that tries every alternative at every position. An expression
     * whose alternatives do not all start with a literal has no prefilter.
     */
    private record Prefilter(String[] literals, FoldedSearch folded) {
        private static final Prefilter NONE = new Prefilter(null, null);
        private static final String META = "\\.[](){}*+?^$|";

        static Prefilter of(String regex) {
            boolean ignoreCase = regex.startsWith("(?i)");
            String body = ignoreCase ? regex.substring(4) : regex;
            if (body.contains("(?") || body.contains("\\Q") || body.contains("[[") || body.contains("[]") || body.contains("[^]")) {
                return NONE;
            }
            List<String> literals = new ArrayList<>();
            int depth = 0;
            int start = 0;
            for (int i = 0; i <= body.length(); i++) {
                char c = i < body.length() ? body.charAt(i) : '|';
                if (c == '\\') {
                    i++;
                } else if (c == '(' || c == '[') {
                    depth++;
                } else if ((c == ')' || c == ']') && depth > 0) {
                    depth--;
                } else if (c == '|' && depth == 0) {
                    String literal = leadingLiteral(body.substring(start, i));
                    if (literal.isEmpty() || (ignoreCase && !literal.chars().allMatch(ch -> ch < 128))) {
                        return NONE;
                    }
                    literals.add(literal);
                    start = i + 1;
                }
            }
            String[] found = literals.toArray(String[]::new);
            return ignoreCase ? new Prefilter(null, new FoldedSearch(found)) : new Prefilter(found, null);
        }

        /** The text an alternative starts with for sure: up to its first operator, less a character made optional. */
        private static String leadingLiteral(String alternative) {
            StringBuilder literal = new StringBuilder();
            int i = 0;
            while (i < alternative.length()) {
                char c = alternative.charAt(i);
                if (c == '\\' && i + 1 < alternative.length() && !Character.isLetterOrDigit(alternative.charAt(i + 1))) {
                    literal.append(alternative.charAt(i + 1));
                    i += 2;
                } else if (META.indexOf(c) < 0) {
                    literal.append(c);
                    i++;
                } else {
                    break;
                }
            }
            if (i < alternative.length() && literal.length() > 0 && "*?{".indexOf(alternative.charAt(i)) >= 0) {
                literal.setLength(literal.length() - 1);
            }
            return literal.toString();
        }

        /** Where the first of the literals is in {@code text}, where a match may start first; -1 when none is. */
        int start(String text) {
            if (folded != null) {
                return folded.indexIn(text);
            }
            if (literals == null) {
                return 0;
            }
            int first = -1;
            for (String literal : literals) {
                int at = text.indexOf(literal);
                if (at >= 0 && (first < 0 || at < first)) {
                    first = at;
                }
            }
            return first;
        }
    }

    /**
     * Whether a text holds any of several ASCII literals, letters in any case, as {@code (?i)} matches them (ASCII
     * only, without {@code (?u)}). One pass for all the literals that skips ahead (Horspool's rule over a window as
     * long as the shortest literal, one table for all): a text without any is mostly rejected by looking at one
     * character in a window's length, where a search per literal would compare every character once per literal.
     */
    private static final class FoldedSearch {
        private final char[][] literals;
        private final int window;
        /** How far the window may move when its last character is this one (folded); other characters: a window. */
        private final int[] shift = new int[128];
        /** The characters (folded) that end some literal's first {@code window} characters. */
        private final boolean[] ends = new boolean[128];

        FoldedSearch(String[] literals) {
            this.literals = new char[literals.length][];
            int shortest = Integer.MAX_VALUE;
            for (int i = 0; i < literals.length; i++) {
                char[] folded = literals[i].toCharArray();
                for (int k = 0; k < folded.length; k++) {
                    folded[k] = fold(folded[k]);
                }
                this.literals[i] = folded;
                shortest = Math.min(shortest, folded.length);
            }
            this.window = shortest;
            Arrays.fill(shift, window);
            for (char[] literal : this.literals) {
                for (int k = 0; k < window - 1; k++) {
                    shift[literal[k]] = Math.min(shift[literal[k]], window - 1 - k);
                }
                ends[literal[window - 1]] = true;
            }
        }

        private static char fold(char c) {
            return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
        }

        /** Where the first of the literals starts in {@code text} (the windows go left to right), or -1. */
        int indexIn(String text) {
            int last = text.length() - window;
            int i = 0;
            while (i <= last) {
                char c = text.charAt(i + window - 1);
                if (c >= 128) {
                    i += window; // in no literal: no match can hold this character
                    continue;
                }
                c = fold(c);
                if (ends[c] && startsAt(text, i)) {
                    return i;
                }
                i += shift[c];
            }
            return -1;
        }

        private boolean startsAt(String text, int at) {
            for (char[] literal : literals) {
                if (at + literal.length <= text.length()) {
                    int k = 0;
                    while (k < literal.length && fold(text.charAt(at + k)) == literal[k]) {
                        k++;
                    }
                    if (k == literal.length) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static Set<FieldPath> fieldsOf(Condition[] parts) {
        Set<FieldPath> all = new LinkedHashSet<>();
        for (Condition c : parts) {
            all.addAll(c.fields());
        }
        return all;
    }

    private static final class All extends Condition {
        private final Condition[] parts;
        private final Condition[] order;

        All(List<Condition> parts) {
            this.parts = parts.toArray(Condition[]::new);
            this.order = cheapestFirst(this.parts);
        }

        @Override
        int cost() {
            return dearest(parts);
        }

        @Override
        public boolean test(FieldSource event) {
            for (Condition c : order) {
                if (!c.test(event)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Set<FieldPath> fields() {
            return fieldsOf(parts);
        }

        @Override
        public String toString() {
            return "{all: " + List.of(parts) + "}";
        }
    }

    private static final class Any extends Condition {
        private final Condition[] parts;
        private final Condition[] order;

        Any(List<Condition> parts) {
            this.parts = parts.toArray(Condition[]::new);
            this.order = cheapestFirst(this.parts);
        }

        @Override
        int cost() {
            return dearest(parts);
        }

        @Override
        public boolean test(FieldSource event) {
            for (Condition c : order) {
                if (c.test(event)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public Set<FieldPath> fields() {
            return fieldsOf(parts);
        }

        @Override
        public String toString() {
            return "{any: " + List.of(parts) + "}";
        }
    }

    private static final class Not extends Condition {
        private final Condition inner;

        Not(Condition inner) {
            this.inner = inner;
        }

        @Override
        public boolean test(FieldSource event) {
            return !inner.test(event);
        }

        @Override
        int cost() {
            return inner.cost();
        }

        @Override
        public Set<FieldPath> fields() {
            return inner.fields();
        }

        @Override
        public String toString() {
            return "{not: " + inner + "}";
        }
    }
}
