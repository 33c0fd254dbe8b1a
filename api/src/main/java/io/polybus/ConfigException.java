package io.polybus;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Configuration that cannot be used. Carries every problem found, each naming the key, the value
 * given (masked for secrets) and what is accepted, so that one run shows all of them.
 */
public class ConfigException extends PolybusException {
    private static final long serialVersionUID = 1L;
    private final List<Problem> problems;

    /** One bad key. {@code value} is already masked when the key holds a secret. */
    public record Problem(String key, String value, String accepted) {
        @Override
        public String toString() {
            return value == null ? key + ": " + accepted : key + ": '" + value + "' is not valid; " + accepted;
        }
    }

    public ConfigException(List<Problem> problems) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String key, String value, String accepted) {
        this(List.of(new Problem(key, value, accepted)));
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String describe(List<Problem> problems) {
        if (problems.size() == 1) {
            return "invalid configuration: " + problems.get(0);
        }
        return problems.stream().map(Problem::toString)
                .collect(Collectors.joining("\n  ", "invalid configuration (" + problems.size() + " problems):\n  ", ""));
    }
}
