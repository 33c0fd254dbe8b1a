package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.agent.internal.RegexParser;
import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code regex}: a regular expression's named groups into fields. */
public final class RegexProcessorProvider implements ProcessorProvider {
    static final String FAILURE = "_regex_parse_failure";
    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "regex")
            .defineParsed("pattern", "a regular expression", RegexParser::parse,
                    "A Java regular expression with named groups, e.g. `(?<level>[A-Z]+)`; found anywhere in the field.")
            .define("field", Type.STRING, "message", "The field the pattern is matched against.")
            .define("numbers", Type.LIST, "", "Groups whose values become numbers.")
            .include(TimestampRule.KEYS)
            .required("pattern")
            .build();

    @Override
    public String type() {
        return "regex";
    }

    @Override
    public String description() {
        return "A regular expression's named groups into fields; tags `" + FAILURE + "` when it does not match.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        Pattern pattern = config.get("pattern", Pattern.class);
        List<String> names = new ArrayList<>();
        Matcher g = GROUP_NAME.matcher(pattern.pattern());
        while (g.find()) {
            names.add(g.group(1));
        }
        if (names.isEmpty()) {
            throw new ConfigException(config.pathOf("pattern"), pattern.pattern(), "expected at least one named group such as (?<level>[A-Z]+)");
        }
        Set<String> numbers = Set.copyOf(config.getList("numbers"));
        for (String n : numbers) {
            if (!names.contains(n)) {
                throw new ConfigException(config.pathOf("numbers"), n, "expected the name of a group of the pattern: " + names);
            }
        }
        FieldPath field = FieldPath.of(config, "field");
        TimestampRule ts = TimestampRule.of(config);
        return (event, chain) -> {
            String text = Processors.text(event, field);
            Matcher m = text == null ? null : pattern.matcher(text);
            if (m != null && m.find()) {
                for (String name : names) {
                    String v = m.group(name);
                    if (v != null) {
                        event.fields().put(name, numbers.contains(name) ? number(v) : v);
                    }
                }
                if (ts != null) {
                    ts.apply(event);
                }
            } else {
                event.tag(FAILURE);
            }
            chain.proceed(event);
        };
    }

    private static Object number(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e2) {
                return v;
            }
        }
    }
}
