package io.polybus.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Expands {@code ${NAME}}, {@code ${NAME:-default}} and {@code ${file:/path}} in configuration values;
 * {@code $${} is a literal {@code ${}. Errors name the variable or file but never a value.
 */
public final class Placeholders {
    private Placeholders() {
    }

    /**
     * @throws IllegalArgumentException naming the missing variable, unreadable file or unclosed placeholder
     */
    public static String resolve(String value, Function<String, String> environment) {
        int start = value.indexOf("${");
        if (start < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        int i = 0;
        while (start >= 0) {
            if (start > 0 && value.charAt(start - 1) == '$') {
                out.append(value, i, start - 1).append("${");
                i = start + 2;
            } else {
                int end = value.indexOf('}', start);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed placeholder '${' (write $${ for a literal)");
                }
                out.append(value, i, start).append(expand(value.substring(start + 2, end), environment));
                i = end + 1;
            }
            start = value.indexOf("${", i);
        }
        return out.append(value.substring(i)).toString();
    }

    private static String expand(String expression, Function<String, String> environment) {
        if (expression.startsWith("file:")) {
            Path path = Path.of(expression.substring("file:".length()).trim());
            try {
                return Files.readString(path).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read secret file " + path + ": " + e.getClass().getSimpleName());
            }
        }
        int sep = expression.indexOf(":-");
        String name = sep < 0 ? expression : expression.substring(0, sep);
        String found = environment.apply(name);
        if (found != null && !(sep >= 0 && found.isEmpty())) {
            return found;
        }
        if (sep >= 0) {
            return expression.substring(sep + 2);
        }
        throw new IllegalArgumentException("environment variable " + name + " is not set (use ${" + name
                + ":-default} to give a default)");
    }
}
