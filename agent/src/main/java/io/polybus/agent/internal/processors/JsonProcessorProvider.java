package io.polybus.agent.internal.processors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.util.Map;

/** {@code json}: parses a field holding a JSON object into fields. */
public final class JsonProcessorProvider implements ProcessorProvider {
    static final String FAILURE = "_json_parse_failure";
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "json")
            .define("field", Type.STRING, "message", "The field holding the JSON text.")
            .define("target", Type.STRING, null, "Where the object goes (a field path); by default its keys become fields.")
            .include(TimestampRule.KEYS)
            .build();

    @Override
    public String type() {
        return "json";
    }

    @Override
    public String description() {
        return "Parses a field holding a JSON object (nginx log_format json) into fields; tags `" + FAILURE + "` when it is not one.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        FieldPath field = FieldPath.of(config, "field");
        FieldPath target = config.has("target") ? FieldPath.of(config, "target") : null;
        TimestampRule ts = TimestampRule.of(config);
        return (event, chain) -> {
            String text = Processors.text(event, field);
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
                if (target == null) {
                    map.forEach((k, v) -> event.fields().put(String.valueOf(k), v));
                } else {
                    event.set(target, map);
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
}
