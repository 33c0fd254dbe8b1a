package io.polybus.events;

import java.util.ArrayList;
import java.util.List;

/**
 * A topic or key template such as {@code logs-{fields.service}} or {@code {host}}: text with {@code {path}}
 * references, each a {@link FieldPath} ({@code {service}} is {@code {fields.service}}, {@code {source.name}} the
 * source's name). A reference to a missing or empty value renders as {@value #MISSING}. Immutable.
 */
public final class Template {
    /** What a reference to a missing value renders as. */
    public static final String MISSING = "unknown";

    private final String text;
    private final String constant;
    private final List<Object> parts;

    private Template(String text, String constant, List<Object> parts) {
        this.text = text;
        this.constant = constant;
        this.parts = parts;
    }

    /**
     * @throws IllegalArgumentException when a brace is not closed or a reference is not a field path
     */
    public static Template parse(String text) {
        if (text.indexOf('{') < 0) {
            return new Template(text, text, List.of());
        }
        List<Object> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            if (open < 0) {
                parts.add(text.substring(i));
                break;
            }
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' in template '" + text + "'");
            }
            String name = text.substring(open + 1, close).trim();
            if (!FieldPath.isValid(name)) {
                throw new IllegalArgumentException("'{" + name + "}' in template '" + text + "' is not " + FieldPath.ACCEPTED);
            }
            if (open > i) {
                parts.add(text.substring(i, open));
            }
            parts.add(FieldPath.of(name));
            i = close + 1;
        }
        return new Template(text, null, List.copyOf(parts));
    }

    /** The text, when it references nothing; otherwise {@code null}. */
    public String constant() {
        return constant;
    }

    /** The fields the template reads. */
    public List<FieldPath> references() {
        return parts.stream().filter(FieldPath.class::isInstance).map(FieldPath.class::cast).toList();
    }

    public String render(FieldSource event) {
        if (constant != null) {
            return constant;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (Object part : parts) {
            if (part instanceof FieldPath path) {
                Object v = event.get(path);
                String s = v == null ? "" : String.valueOf(v);
                sb.append(s.isEmpty() ? MISSING : s);
            } else {
                sb.append((String) part);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
