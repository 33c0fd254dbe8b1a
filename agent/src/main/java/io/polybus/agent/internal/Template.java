package io.polybus.agent.internal;

import io.polybus.agent.LogEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * A topic or key template such as {@code logs-{service}}: text with {@code {name}} references to event
 * fields, or to {@code host}, {@code source} (the source's name) and {@code path} when no field of that name
 * exists. A reference to a missing field renders as {@code unknown}.
 */
public final class Template {
    static final String MISSING = "unknown";

    private final String text;
    private final String constant;
    private final List<String> parts;

    private Template(String text, String constant, List<String> parts) {
        this.text = text;
        this.constant = constant;
        this.parts = parts;
    }

    /**
     * @throws IllegalArgumentException when a brace is not closed or a reference is empty
     */
    public static Template parse(String text) {
        if (text.indexOf('{') < 0) {
            return new Template(text, text, List.of());
        }
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            if (open < 0) {
                parts.add(text.substring(i));
                parts.add(null);
                break;
            }
            int close = text.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' in template '" + text + "'");
            }
            String name = text.substring(open + 1, close).trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty '{}' in template '" + text + "'");
            }
            parts.add(text.substring(i, open));
            parts.add(name);
            i = close + 1;
        }
        return new Template(text, null, parts);
    }

    /** The text, when it references nothing; otherwise {@code null}. */
    public String constant() {
        return constant;
    }

    public String render(LogEvent event) {
        if (constant != null) {
            return constant;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < parts.size(); i += 2) {
            sb.append(parts.get(i));
            String name = parts.get(i + 1);
            if (name != null) {
                sb.append(lookup(event, name));
            }
        }
        return sb.toString();
    }

    private static String lookup(LogEvent event, String name) {
        Object v = event.fields().get(name);
        if (v != null) {
            return String.valueOf(v);
        }
        String builtIn = switch (name) {
            case "host" -> event.host();
            case "source" -> event.sourceName();
            case "path" -> event.path();
            default -> null;
        };
        return builtIn == null || builtIn.isEmpty() ? MISSING : builtIn;
    }

    @Override
    public String toString() {
        return text;
    }
}
