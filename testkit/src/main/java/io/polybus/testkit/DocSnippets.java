package io.polybus.testkit;

import io.polybus.spi.ConfigDef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What docs tests read from the Markdown pages: named YAML examples (a {@code <!-- example: NAME -->} line before a
 * fenced {@code yaml} block) that a test runs against a real server, and key tables rendered from a provider's
 * {@link ConfigDef} that the page must contain as they are. Stateless.
 */
public final class DocSnippets {
    private DocSnippets() {
    }

    /**
     * The YAML block after {@code <!-- example: name -->} in {@code markdown}.
     *
     * @throws AssertionError when the page has no such example
     */
    public static String yaml(Path markdown, String name) {
        String text = read(markdown);
        String marker = "<!-- example: " + name + " -->";
        int at = text.indexOf(marker);
        if (at < 0) {
            throw new AssertionError(markdown + " has no example '" + name + "' (a line " + marker + " before a yaml block)");
        }
        int start = text.indexOf("```yaml\n", at);
        int end = start < 0 ? -1 : text.indexOf("```", start + 8);
        if (start < 0 || end < 0) {
            throw new AssertionError(markdown + ": example '" + name + "' is not followed by a ```yaml block");
        }
        return text.substring(start + 8, end);
    }

    /** An environment for {@link io.polybus.Config#fromYaml(String, Function)} that knows only {@code variables}. */
    public static Function<String, String> environment(Map<String, String> variables) {
        return variables::get;
    }

    /**
     * The Markdown table of {@code keys} of {@code definition}, in the given order, as {@link ConfigDef#toMarkdown()}
     * renders them.
     *
     * @throws IllegalArgumentException naming a key the definition lacks
     */
    public static String table(ConfigDef definition, String... keys) {
        Map<String, ConfigDef.Key> byName = definition.keys().stream()
                .collect(Collectors.toMap(ConfigDef.Key::name, k -> k));
        ConfigDef.Builder subset = ConfigDef.builder("subset");
        for (String name : keys) {
            ConfigDef.Key key = byName.get(name);
            if (key == null) {
                throw new IllegalArgumentException("no key '" + name + "' in " + definition);
            }
            subset.define(key.name(), key.type(), key.defaultValue(), key.validator(), key.doc());
        }
        return subset.build().toMarkdown();
    }

    /** The text of {@code markdown}. */
    public static String read(Path markdown) {
        try {
            return Files.readString(markdown);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
