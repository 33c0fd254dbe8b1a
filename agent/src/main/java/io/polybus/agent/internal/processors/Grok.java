package io.polybus.agent.internal.processors;

import io.polybus.events.FieldPath;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A grok expression compiled onto {@link java.util.regex}: {@code %{NAME}} is the named pattern's regular
 * expression, {@code %{NAME:field}} also captures it into {@code field}, and {@code %{NAME:field:int}} (or
 * {@code :float}) makes a number of it. Named captures inside the named patterns capture too (COMBINEDAPACHELOG
 * gives {@code clientip}, {@code verb}, ...). Captures are fields: {@code %{WORD:message}} is {@code fields.message},
 * {@code %{INT:http.status}} a nested field. Immutable and thread-safe.
 */
final class Grok {
    /** The patterns every grok expression may use (resource {@code grok-patterns}). */
    static final Map<String, String> BUILT_IN = load();
    private static final Pattern REFERENCE = Pattern.compile("%\\{(\\w+)(?::([^:}]+))?(?::(int|float))?}");
    private static final int MAX_DEPTH = 32;

    /** One capture: its group in the regular expression, the field it fills, and whether it is a number. */
    record Capture(String group, String field, String type) {
    }

    private final String expression;
    private final Pattern regex;
    private final List<Capture> captures;
    /** Each captured field's path under {@code fields}. */
    private final Map<String, FieldPath> paths = new HashMap<>();

    private Grok(String expression, Pattern regex, List<Capture> captures) {
        this.expression = expression;
        this.regex = regex;
        this.captures = captures;
        for (Capture c : captures) {
            if (!FieldPath.isValid(c.field())) {
                throw new IllegalArgumentException("'" + c.field() + "' in %{...:" + c.field() + "} is not a field name");
            }
            paths.put(c.field(), FieldPath.of("fields." + c.field()));
        }
    }

    /**
     * Compiles {@code expression} with the built-in patterns and {@code definitions}.
     *
     * @throws IllegalArgumentException naming an unknown pattern, a loop of patterns or a bad regular expression
     */
    static Grok compile(String expression, Map<String, String> definitions) {
        Map<String, String> patterns = new HashMap<>(BUILT_IN);
        patterns.putAll(definitions);
        List<Capture> captures = new ArrayList<>();
        String regex = expand(expression, patterns, captures, 0);
        try {
            return new Grok(expression, Pattern.compile(regex), List.copyOf(captures));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a valid regular expression once expanded: " + e.getDescription());
        }
    }

    private static String expand(String text, Map<String, String> patterns, List<Capture> captures, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("patterns refer to each other in a loop (deeper than " + MAX_DEPTH + ")");
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String definition = patterns.get(name);
            if (definition == null) {
                throw new IllegalArgumentException("unknown pattern %{" + name + "}");
            }
            String inner = expand(definition, patterns, captures, depth + 1);
            String replacement;
            if (m.group(2) != null) {
                String group = "g" + captures.size();
                captures.add(new Capture(group, m.group(2), m.group(3)));
                replacement = "(?<" + group + ">" + inner + ")";
            } else {
                replacement = "(?:" + inner + ")";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The fields captured by a match anywhere in {@code text}, in order, or null when it does not match. */
    Map<String, Object> match(String text) {
        Matcher m = regex.matcher(text);
        if (!m.find()) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Capture c : captures) {
            String v = m.group(c.group());
            if (v != null) {
                out.put(c.field(), c.type() == null ? v : number(v, c.type()));
            }
        }
        return out;
    }

    /** Where the captured {@code field} goes: {@code fields.<field>}, a dotted name making nested fields. */
    FieldPath path(String field) {
        return paths.get(field);
    }

    private static Object number(String v, String type) {
        try {
            return type.equals("int") ? (Object) Long.parseLong(v) : (Object) Double.parseDouble(v);
        } catch (NumberFormatException e) {
            try {
                return type.equals("int") ? (Object) (long) Double.parseDouble(v) : v;
            } catch (NumberFormatException e2) {
                return v;
            }
        }
    }

    private static Map<String, String> load() {
        Map<String, String> patterns = new LinkedHashMap<>();
        try (InputStream in = Objects.requireNonNull(Grok.class.getResourceAsStream("grok-patterns"), "grok-patterns");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    int space = line.indexOf(' ');
                    patterns.put(line.substring(0, space), line.substring(space + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(patterns);
    }

    @Override
    public String toString() {
        return expression;
    }
}
