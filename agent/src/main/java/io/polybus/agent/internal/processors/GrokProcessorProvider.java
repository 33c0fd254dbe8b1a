package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code grok}: named patterns ({@code %{COMBINEDAPACHELOG}}, {@code %{SYSLOGLINE}},
 * {@code %{IP:client} %{WORD:verb}}) into fields. The patterns are compiled onto java.util.regex once, when the
 * processor is created; the first of {@code patterns} that matches decides.
 */
public final class GrokProcessorProvider implements ProcessorProvider {
    static final String FAILURE = "_grok_parse_failure";
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "grok")
            .defineParsed("patterns", "a list of grok expressions", GrokProcessorProvider::expressions,
                    "Tried in order, the first that matches anywhere in the field decides: `%{NAME}`, `%{NAME:field}`, `%{NAME:field:int}` (or `:float`) and regular expression text, e.g. `['%{COMBINEDAPACHELOG}']`.")
            .define("field", Type.STRING, "message", "The field the patterns are matched against.")
            .define("target", Type.STRING, null, "A field path the captures go under; by default each becomes a field.")
            .define("pattern-definitions", Type.MAP, null, "More named patterns, or replacements of built-in ones, e.g. `{ORDER_ID: 'ord-[0-9]+'}`.")
            .required("patterns")
            .build();

    @Override
    public String type() {
        return "grok";
    }

    @Override
    public String description() {
        return "Named patterns (the standard set for nginx, Apache, syslog and Java logs) into fields; tags `" + FAILURE + "` when none matches.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        Map<String, String> definitions = config.getMap("pattern-definitions");
        for (String name : definitions.keySet()) {
            if (!name.matches("\\w+")) {
                throw new ConfigException(config.pathOf("pattern-definitions") + "." + name, null, "expected a pattern name of letters, digits and _");
            }
        }
        @SuppressWarnings("unchecked")
        List<String> expressions = config.get("patterns", List.class);
        List<Grok> groks = new ArrayList<>();
        for (int i = 0; i < expressions.size(); i++) {
            try {
                groks.add(Grok.compile(expressions.get(i), definitions));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(config.pathOf("patterns") + "[" + i + "]", expressions.get(i), e.getMessage());
            }
        }
        FieldPath field = FieldPath.of(config, "field");
        FieldPath target = config.has("target") ? FieldPath.of(config, "target") : null;
        return (event, chain) -> {
            String text = Processors.text(event, field);
            Map<String, Object> captured = null;
            Grok matched = null;
            for (int i = 0; text != null && captured == null && i < groks.size(); i++) {
                matched = groks.get(i);
                captured = matched.match(text);
            }
            if (captured == null) {
                event.tag(FAILURE);
            } else if (target == null) {
                Grok g = matched;
                captured.forEach((k, v) -> event.set(g.path(k), v));
            } else {
                event.set(target, captured);
            }
            chain.proceed(event);
        };
    }

    private static List<String> expressions(Object raw, String path) {
        List<String> out = new ArrayList<>();
        if (raw instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                Object item = list.get(i);
                if (item == null || item instanceof Map<?, ?> || item instanceof List<?> || String.valueOf(item).isBlank()) {
                    throw new ConfigException(path + "[" + i + "]", null, "expected a grok expression such as '%{COMBINEDAPACHELOG}'");
                }
                out.add(String.valueOf(item));
            }
        } else if (raw != null && !(raw instanceof Map<?, ?>) && !String.valueOf(raw).isBlank()) {
            out.add(String.valueOf(raw));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("expected a grok expression or a list of them, e.g. ['%{COMBINEDAPACHELOG}']");
        }
        return List.copyOf(out);
    }
}
