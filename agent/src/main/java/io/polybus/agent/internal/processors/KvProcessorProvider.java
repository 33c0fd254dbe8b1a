package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code kv}: {@code key=value} pairs into fields, as in {@code level=info msg="disk full" took=12ms}; a value in
 * double or single quotes may hold the separators (a backslash escapes the quote). Text that is not a pair is
 * skipped.
 */
public final class KvProcessorProvider implements ProcessorProvider {
    static final String FAILURE = "_kv_parse_failure";
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "kv")
            .define("field", Type.STRING, "message", "The field holding the pairs.")
            .define("field-split", Type.STRING, null, "What separates one pair from the next, e.g. `&` for a query string; by default a space.")
            .define("value-split", Type.STRING, "=", "What separates a key from its value.")
            .define("target", Type.STRING, null, "A field path the pairs go under; by default each becomes a field.")
            .define("prefix", Type.STRING, "", "Put before each key, e.g. `kv_`.")
            .define("include-keys", Type.LIST, "", "Only these keys are kept (all when empty).")
            .define("exclude-keys", Type.LIST, "", "These keys are skipped.")
            .build();

    @Override
    public String type() {
        return "kv";
    }

    @Override
    public String description() {
        return "`key=value` pairs (quoted values may hold separators) into fields; tags `" + FAILURE + "` when there is none.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        FieldPath field = FieldPath.of(config, "field");
        FieldPath target = config.has("target") ? FieldPath.of(config, "target") : null;
        String fieldSplit = config.findString("field-split").filter(f -> !f.isEmpty()).orElse(" ");
        String valueSplit = nonEmpty(config, "value-split");
        String prefix = config.getString("prefix");
        Set<String> include = Set.copyOf(config.getList("include-keys"));
        Set<String> exclude = Set.copyOf(config.getList("exclude-keys"));
        return (event, chain) -> {
            String text = Processors.text(event, field);
            Map<String, Object> pairs = new LinkedHashMap<>();
            if (text != null) {
                split(text, fieldSplit, valueSplit, (k, v) -> {
                    if ((include.isEmpty() || include.contains(k)) && !exclude.contains(k) && FieldPath.isValid(prefix + k)) {
                        pairs.put(prefix + k, v);
                    }
                });
            }
            if (pairs.isEmpty()) {
                event.tag(FAILURE);
            } else if (target == null) {
                event.fields().putAll(pairs);
            } else {
                event.set(target, pairs);
            }
            chain.proceed(event);
        };
    }

    private static String nonEmpty(ProviderConfig config, String key) {
        String s = config.getString(key);
        if (s.isEmpty()) {
            throw new ConfigException(config.pathOf(key), s, "expected a non-empty separator");
        }
        return s;
    }

    interface Pairs {
        void pair(String key, String value);
    }

    /** Calls {@code out} with each pair of {@code text}, in order. */
    static void split(String text, String fieldSplit, String valueSplit, Pairs out) {
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            while (text.startsWith(fieldSplit, pos)) {
                pos += fieldSplit.length();
            }
            if (pos >= n) {
                return;
            }
            int eq = text.indexOf(valueSplit, pos);
            int sep = text.indexOf(fieldSplit, pos);
            if (eq < 0) {
                return;
            }
            if (sep >= 0 && sep < eq) {
                pos = sep;
                continue;
            }
            String key = text.substring(pos, eq).strip();
            pos = eq + valueSplit.length();
            String value;
            char q = pos < n ? text.charAt(pos) : 0;
            int close = q == '"' || q == '\'' ? closingQuote(text, pos + 1, q) : -1;
            if (close >= 0) {
                value = unescape(text.substring(pos + 1, close), q);
                pos = close + 1;
            } else {
                int end = text.indexOf(fieldSplit, pos);
                end = end < 0 ? n : end;
                value = text.substring(pos, end);
                pos = end;
            }
            if (!key.isEmpty()) {
                out.pair(key, value);
            }
        }
    }

    private static int closingQuote(String text, int from, char q) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == q) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String s, char q) {
        return s.indexOf('\\') < 0 ? s : s.replace("\\" + q, String.valueOf(q)).replace("\\\\", "\\");
    }
}
