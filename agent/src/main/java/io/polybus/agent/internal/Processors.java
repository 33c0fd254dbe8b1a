package io.polybus.agent.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.events.LogEvent;
import io.polybus.events.Processor;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The built-in processors, built from their configuration. */
public final class Processors {
    public static final String JSON_FAILURE = "_json_parse_failure";
    public static final String COMBINED_FAILURE = "_combined_parse_failure";
    public static final String REGEX_FAILURE = "_regex_parse_failure";
    public static final String SYSLOG_FAILURE = "_syslog_parse_failure";
    public static final String TIMESTAMP_FAILURE = "_timestamp_parse_failure";

    /** The accepted values of a processor's {@code type}. */
    public static final List<String> TYPES = List.of("json", "combined", "nginx-combined", "apache-combined", "regex",
            "add-fields", "rename-fields", "drop-fields", "filter");

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Pattern COMBINED = Pattern.compile(
            "^(\\S+) \\S+ (\\S+) \\[([^\\]]+)\\] \"((\\S+) (\\S+)(?: (\\S+))?|[^\"]*)\" (\\d{3}) (\\d+|-)(?: \"((?:[^\"\\\\]|\\\\.)*)\" \"((?:[^\"\\\\]|\\\\.)*)\")?.*$");
    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");

    private Processors() {
    }

    /** Builds the processor {@code node} describes; problems go to the node, and the result is then null. */
    public static Processor build(ConfigNode node) {
        String type = node.oneOf("type", "json", TYPES.toArray(String[]::new));
        Processor p = switch (type) {
            case "json" -> json(node.string("field", "message"), node.string("target", ""), timestamp(node));
            case "combined", "nginx-combined", "apache-combined" -> combined(node.string("field", "message"));
            case "regex" -> regex(node);
            case "add-fields" -> addFields(node.stringMap("fields"));
            case "rename-fields" -> renameFields(node.stringMap("fields"));
            case "drop-fields" -> dropFields(Set.copyOf(node.strings("fields")));
            case "filter" -> filter(node);
            default -> throw new IllegalStateException(type);
        };
        node.finish();
        return p;
    }

    private record TimestampRule(String field, DateTimeFormatter format) {
    }

    private static TimestampRule timestamp(ConfigNode node) {
        String field = node.string("timestamp-field", null);
        String format = node.string("timestamp-format", null);
        DateTimeFormatter f = null;
        if (format != null) {
            try {
                f = DateTimeFormatter.ofPattern(format, Locale.ROOT);
            } catch (IllegalArgumentException e) {
                node.problem("timestamp-format", format, "expected a java.time DateTimeFormatter pattern: " + e.getMessage());
            }
        }
        return field == null ? null : new TimestampRule(field, f);
    }

    private static void applyTimestamp(LogEvent event, TimestampRule rule) {
        if (rule == null) {
            return;
        }
        Object v = event.fields().get(rule.field());
        if (v == null) {
            return;
        }
        long millis = Timestamps.parse(v, rule.format());
        if (millis >= 0) {
            event.timestampMillis(millis);
        } else {
            event.tag(TIMESTAMP_FAILURE);
        }
    }

    private static String text(LogEvent event, String field) {
        if (field.equals("message")) {
            return event.message();
        }
        Object v = event.fields().get(field);
        return v == null ? null : String.valueOf(v);
    }

    static Processor json(String field, String target, TimestampRule ts) {
        return (event, chain) -> {
            String text = text(event, field);
            Object parsed = null;
            if (text != null) {
                String t = text.strip();
                if (t.startsWith("{")) {
                    try {
                        parsed = JSON.readValue(t, Map.class);
                    } catch (JsonProcessingException e) {
                        parsed = null;
                    }
                }
            }
            if (parsed instanceof Map<?, ?> map) {
                if (target.isEmpty()) {
                    map.forEach((k, v) -> event.fields().put(String.valueOf(k), v));
                } else {
                    event.fields().put(target, map);
                }
                applyTimestamp(event, ts);
            } else {
                event.tag(JSON_FAILURE);
            }
            chain.proceed(event);
        };
    }

    static Processor combined(String field) {
        return (event, chain) -> {
            String text = text(event, field);
            Matcher m = text == null ? null : COMBINED.matcher(text);
            if (m != null && m.matches()) {
                Map<String, Object> f = event.fields();
                f.put("remote_addr", m.group(1));
                putUnlessDash(f, "remote_user", m.group(2));
                f.put("time_local", m.group(3));
                f.put("request", m.group(4));
                if (m.group(5) != null) {
                    f.put("request_method", m.group(5));
                    f.put("request_uri", m.group(6));
                    if (m.group(7) != null) {
                        f.put("server_protocol", m.group(7));
                    }
                }
                f.put("status", Integer.parseInt(m.group(8)));
                f.put("body_bytes_sent", m.group(9).equals("-") ? 0L : Long.parseLong(m.group(9)));
                if (m.group(10) != null) {
                    putUnlessDash(f, "http_referer", m.group(10));
                    putUnlessDash(f, "http_user_agent", m.group(11));
                }
                long millis = Timestamps.parse(m.group(3), Timestamps.COMMON_LOG);
                if (millis >= 0) {
                    event.timestampMillis(millis);
                }
            } else {
                event.tag(COMBINED_FAILURE);
            }
            chain.proceed(event);
        };
    }

    private static void putUnlessDash(Map<String, Object> fields, String name, String value) {
        if (value != null && !value.equals("-")) {
            fields.put(name, value);
        }
    }

    private static Processor regex(ConfigNode node) {
        Pattern pattern = node.pattern("pattern");
        if (pattern == null && !node.has("pattern")) {
            node.problem("pattern", null, "required: a regular expression with named groups, e.g. (?<level>[A-Z]+)");
        }
        String field = node.string("field", "message");
        Set<String> numbers = Set.copyOf(node.strings("numbers"));
        TimestampRule ts = timestamp(node);
        if (pattern == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        Matcher g = GROUP_NAME.matcher(pattern.pattern());
        while (g.find()) {
            names.add(g.group(1));
        }
        if (names.isEmpty()) {
            node.problem("pattern", pattern.pattern(), "expected at least one named group such as (?<level>[A-Z]+)");
        }
        for (String n : numbers) {
            if (!names.contains(n)) {
                node.problem("numbers", n, "expected the name of a group of the pattern: " + names);
            }
        }
        return (event, chain) -> {
            String text = text(event, field);
            Matcher m = text == null ? null : pattern.matcher(text);
            if (m != null && m.find()) {
                for (String name : names) {
                    String v = m.group(name);
                    if (v != null) {
                        event.fields().put(name, numbers.contains(name) ? number(v) : v);
                    }
                }
                applyTimestamp(event, ts);
            } else {
                event.tag(REGEX_FAILURE);
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

    private static Processor addFields(Map<String, String> fields) {
        return (event, chain) -> {
            event.fields().putAll(fields);
            chain.proceed(event);
        };
    }

    private static Processor renameFields(Map<String, String> renames) {
        return (event, chain) -> {
            for (Map.Entry<String, String> r : renames.entrySet()) {
                if (event.fields().containsKey(r.getKey())) {
                    event.fields().put(r.getValue(), event.fields().remove(r.getKey()));
                }
            }
            chain.proceed(event);
        };
    }

    private static Processor dropFields(Set<String> names) {
        return (event, chain) -> {
            event.fields().keySet().removeAll(names);
            chain.proceed(event);
        };
    }

    private static Processor filter(ConfigNode node) {
        boolean drop = node.has("drop-when");
        if (drop == node.has("keep-when")) {
            node.problem("exactly one of drop-when or keep-when, each a condition such as {field: status, gte: 500}");
            node.child("drop-when");
            node.child("keep-when");
            return null;
        }
        Condition condition = Condition.parse(node.child(drop ? "drop-when" : "keep-when"));
        return (event, chain) -> {
            if (condition.test(event) != drop) {
                chain.proceed(event);
            }
        };
    }
}
