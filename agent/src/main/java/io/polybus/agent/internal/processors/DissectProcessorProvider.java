package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.LogEvent;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code dissect}: splits a field by the literal text between {@code %{name}} references, as Logstash's and
 * Elasticsearch's dissect do: {@code %{client} - %{user} [%{ts}] "%{method} %{uri} %{proto}"}. No regular
 * expression: each reference takes the text up to the next delimiter, the last one the rest of the line.
 */
public final class DissectProcessorProvider implements ProcessorProvider {
    static final String FAILURE = "_dissect_parse_failure";
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "dissect")
            .defineParsed("pattern", "a dissect pattern", Pattern::parse,
                    "Literal text and `%{name}` references: `%{}` or `%{?name}` skips a value, `%{+name}` appends to `name` (with `append-separator`), `%{name->}` also skips repeats of the delimiter after it (padding).")
            .define("field", Type.STRING, "message", "The field that is split.")
            .define("target", Type.STRING, null, "A field path the values go under; by default each becomes a field.")
            .define("append-separator", Type.STRING, null, "What joins the values of `%{+name}`; by default a space.")
            .required("pattern")
            .build();

    @Override
    public String type() {
        return "dissect";
    }

    @Override
    public String description() {
        return "Splits a field by the literal text between `%{name}` references (no regular expression); tags `" + FAILURE + "` when the text does not fit.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        Pattern pattern = config.get("pattern", Pattern.class);
        FieldPath field = FieldPath.of(config, "field");
        FieldPath target = config.has("target") ? FieldPath.of(config, "target") : null;
        String joiner = config.findString("append-separator").filter(j -> !j.isEmpty()).orElse(" ");
        return (event, chain) -> {
            String text = Processors.text(event, field);
            Map<String, String> values = text == null ? null : pattern.split(text, joiner);
            if (values == null) {
                event.tag(FAILURE);
            } else {
                put(event, target, values);
            }
            chain.proceed(event);
        };
    }

    private static void put(LogEvent event, FieldPath target, Map<String, String> values) {
        String under = target == null ? "fields." : target.canonical() + ".";
        values.forEach((k, v) -> event.set(FieldPath.of(under + k), v));
    }

    /** A compiled pattern: a leading literal, then references each followed by its delimiter (empty for the last). */
    record Pattern(String prefix, List<Ref> refs) {
        record Ref(String name, boolean skip, boolean append, boolean padded, String delimiter) {
        }

        static Pattern parse(Object raw, String path) {
            if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
                throw new IllegalArgumentException("not a single value");
            }
            String text = String.valueOf(raw);
            List<Ref> refs = new ArrayList<>();
            int open = text.indexOf("%{");
            if (open < 0) {
                throw new ConfigException(path, text, "expected at least one %{name} reference");
            }
            String prefix = text.substring(0, open);
            while (open >= 0) {
                int close = text.indexOf('}', open);
                if (close < 0) {
                    throw new ConfigException(path, text, "unclosed %{ at character " + (open + 1));
                }
                String name = text.substring(open + 2, close);
                int next = text.indexOf("%{", close);
                String delimiter = text.substring(close + 1, next < 0 ? text.length() : next);
                if (next >= 0 && delimiter.isEmpty()) {
                    throw new ConfigException(path, text, "two references with no text between them at character " + (close + 2)
                            + ": dissect needs a delimiter after each reference but the last");
                }
                boolean padded = name.endsWith("->");
                if (padded) {
                    name = name.substring(0, name.length() - 2);
                }
                boolean skip = name.isEmpty() || name.startsWith("?");
                boolean append = name.startsWith("+");
                if (skip && !name.isEmpty() || append) {
                    name = name.substring(1);
                }
                if (!skip && !FieldPath.isValid(name)) {
                    throw new ConfigException(path, text, "'" + name + "' is not a field name");
                }
                refs.add(new Ref(name, skip, append, padded, delimiter));
                open = next;
            }
            return new Pattern(prefix, List.copyOf(refs));
        }

        /** The values by name, or null when {@code text} does not fit. */
        Map<String, String> split(String text, String joiner) {
            if (!text.startsWith(prefix)) {
                return null;
            }
            Map<String, String> out = new LinkedHashMap<>();
            int pos = prefix.length();
            for (Ref r : refs) {
                String value;
                String d = r.delimiter();
                if (d.isEmpty()) {
                    value = text.substring(pos);
                    pos = text.length();
                } else {
                    int end = text.indexOf(d, pos);
                    if (end < 0) {
                        return null;
                    }
                    value = text.substring(pos, end);
                    pos = end + d.length();
                    if (r.padded()) {
                        while (text.startsWith(d, pos)) {
                            pos += d.length();
                        }
                    }
                }
                if (!r.skip()) {
                    out.merge(r.name(), value, (a, b) -> r.append() ? a + joiner + b : b);
                }
            }
            return out;
        }
    }
}
