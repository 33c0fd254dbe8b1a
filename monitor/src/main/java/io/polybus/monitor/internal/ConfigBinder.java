package io.polybus.monitor.internal;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.polybus.Config;
import io.polybus.ConfigException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads YAML into trees and binds sections to records strictly: unknown keys, wrong types and bad durations
 * become a {@link ConfigException} whose key is the full path, annotated with the name of the rule or
 * notifier it lies in ({@code monitor.rules[0].window (rule 'nginx-5xx')}).
 */
public final class ConfigBinder {
    private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .registerModule(new SimpleModule().addDeserializer(Duration.class, new DurationDeserializer()));

    private ConfigBinder() {
    }

    /**
     * Parses a YAML document and expands {@code ${NAME}}, {@code ${NAME:-default}} and {@code ${file:/path}}
     * in its string values.
     */
    public static JsonNode readYaml(String yaml, Function<String, String> environment) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException("yaml", null, "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return MAPPER.createObjectNode();
        }
        if (!tree.isObject()) {
            throw new ConfigException("yaml", null, "the document must be a mapping of keys to values");
        }
        List<ConfigException.Problem> problems = new ArrayList<>();
        expand(tree, "", environment, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return tree;
    }

    /** Fails naming every top-level key of {@code document} that is not in {@code accepted}. */
    public static void requireKnownKeys(JsonNode document, List<String> accepted) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        document.fieldNames().forEachRemaining(name -> {
            if (!accepted.contains(name)) {
                problems.add(new ConfigException.Problem(name, null, "unknown key; accepted: " + String.join(", ", accepted)));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /**
     * Binds {@code section} (found at {@code path}) to {@code type}; a missing or null section binds as empty.
     *
     * @throws ConfigException naming the path of the first unknown key or bad value
     */
    public static <T> T bind(JsonNode section, String path, Class<T> type) {
        JsonNode node = section == null || section.isMissingNode() || section.isNull() ? MAPPER.createObjectNode() : section;
        if (!node.isObject()) {
            throw new ConfigException(path, node.asText(), "must be a mapping of keys to values");
        }
        try {
            return MAPPER.treeToValue(node, type);
        } catch (JsonMappingException e) {
            throw new ConfigException(List.of(describe(node, path, e)));
        } catch (JsonProcessingException e) {
            throw new ConfigException(path, null, e.getOriginalMessage());
        }
    }

    private static ConfigException.Problem describe(JsonNode root, String path, JsonMappingException e) {
        StringBuilder key = new StringBuilder(path);
        String owner = null;
        JsonNode node = root;
        String lastField = null;
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getIndex() >= 0) {
                key.append('[').append(ref.getIndex()).append(']');
                node = node.path(ref.getIndex());
                // unnamed notifiers are named after their type, as ConfigValidator names them
                JsonNode name = node.path("name").isTextual() || !"notifiers".equals(lastField) ? node.path("name") : node.path("type");
                if (name.isTextual()) {
                    owner = singular(lastField) + " '" + name.asText() + "'";
                }
            } else if (ref.getFieldName() != null) {
                key.append(key.isEmpty() ? "" : ".").append(ref.getFieldName());
                node = node.path(ref.getFieldName());
                lastField = ref.getFieldName();
            }
        }
        String accepted;
        String value = node.isValueNode() ? node.asText() : null;
        if (e instanceof UnrecognizedPropertyException u) {
            if (!(u.getPath().isEmpty()) && u.getPath().get(u.getPath().size() - 1).getFieldName() == null) {
                key.append('.').append(u.getPropertyName());
            }
            value = null;
            accepted = "unknown key; accepted: " + u.getKnownPropertyIds().stream().map(String::valueOf)
                    .collect(Collectors.toCollection(TreeSet::new)).stream().collect(Collectors.joining(", "));
        } else if (e instanceof InvalidTypeIdException t) {
            value = t.getTypeId();
            key.append(".type");
            accepted = (t.getTypeId() == null ? "required" : "unknown type") + "; accepted: " + subtypes(t.getBaseType().getRawClass());
        } else {
            accepted = expected(e);
        }
        if (mayHoldSecret(key)) {
            value = null;
        }
        if (owner != null) {
            key.append(" (").append(owner).append(')');
        }
        return new ConfigException.Problem(key.toString(), value, accepted);
    }

    /** Webhook URLs and headers often carry tokens: their values are never echoed. */
    private static boolean mayHoldSecret(CharSequence key) {
        String k = key.toString();
        return k.contains(".headers") || k.endsWith(".url") || k.contains("password") || k.contains("token");
    }

    private static String expected(JsonMappingException e) {
        String message = e.getOriginalMessage();
        if (message != null && message.contains(Duration.class.getName())) {
            return Durations.ACCEPTED;
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            Class<?> t = m.getTargetType();
            if (t.isEnum()) {
                return "one of " + List.of(t.getEnumConstants()).stream().map(c -> c.toString().toLowerCase())
                        .collect(Collectors.joining(", "));
            }
            if (Number.class.isAssignableFrom(t) || t.isPrimitive()) {
                return Integer.class.equals(t) || Long.class.equals(t) ? "a whole number" : "a number";
            }
            if (List.class.isAssignableFrom(t)) {
                return "a list";
            }
            if (Map.class.isAssignableFrom(t) || t.isRecord() || t.isInterface()) {
                return "a mapping of keys to values";
            }
            if (String.class.equals(t)) {
                return "a text value";
            }
            if (Boolean.class.equals(t)) {
                return "true or false";
            }
        }
        return message == null ? "not valid" : message;
    }

    private static String subtypes(Class<?> base) {
        JsonSubTypes types = base.getAnnotation(JsonSubTypes.class);
        if (types == null) {
            return "?";
        }
        return List.of(types.value()).stream().map(JsonSubTypes.Type::name)
                .collect(Collectors.joining(", "));
    }

    private static String singular(String listField) {
        if (listField == null) {
            return "item";
        }
        return listField.endsWith("s") ? listField.substring(0, listField.length() - 1) : listField;
    }

    private static void expand(JsonNode node, String path, Function<String, String> env, List<ConfigException.Problem> problems) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            List<Map.Entry<String, JsonNode>> replaced = new ArrayList<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String p = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
                JsonNode v = f.getValue();
                if (v.isTextual()) {
                    replaced.add(Map.entry(f.getKey(), resolve(v, p, env, problems)));
                } else {
                    expand(v, p, env, problems);
                }
            }
            replaced.forEach(r -> object.set(r.getKey(), r.getValue()));
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode v = array.get(i);
                if (v.isTextual()) {
                    array.set(i, resolve(v, path + "[" + i + "]", env, problems));
                } else {
                    expand(v, path + "[" + i + "]", env, problems);
                }
            }
        }
    }

    private static JsonNode resolve(JsonNode text, String path, Function<String, String> env, List<ConfigException.Problem> problems) {
        try {
            return TextNode.valueOf(Config.expand(text.asText(), env));
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigException.Problem(path, null, e.getMessage()));
            return text;
        }
    }

    private static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            if (text == null) {
                return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
            }
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw ctxt.weirdStringException(text, Duration.class, Durations.ACCEPTED);
            }
        }
    }
}
