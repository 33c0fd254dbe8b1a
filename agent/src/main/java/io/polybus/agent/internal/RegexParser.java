package io.polybus.agent.internal;

import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A {@link ConfigDef.Parser} of Java regular expressions, for the keys that hold one. */
public final class RegexParser {
    private RegexParser() {
    }

    /** @throws ConfigException naming the key and what is wrong with the expression */
    public static Pattern parse(Object raw, String path) {
        if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
            throw new IllegalArgumentException("not a single value");
        }
        try {
            return Pattern.compile(String.valueOf(raw));
        } catch (PatternSyntaxException e) {
            throw new ConfigException(path, String.valueOf(raw), "expected a Java regular expression: " + e.getDescription());
        }
    }
}
