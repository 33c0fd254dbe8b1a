package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code convert}: changes the type of fields: {@code integer}, {@code float}, {@code boolean}, {@code string}. A
 * value that does not convert stays as it was and the event is tagged; a missing field is left alone.
 */
public final class ConvertProcessorProvider implements ProcessorProvider {
    static final String FAILURE = "_convert_failure";
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "convert")
            .define("fields", Type.MAP, null, "Field paths and their types, `integer`, `float`, `boolean` or `string`, e.g. `{status: integer, request_time: float}`.")
            .required("fields").build();

    /** The types a field can be converted to. */
    enum To {
        INTEGER, FLOAT, BOOLEAN, STRING;

        /** The converted value, or null when {@code v} does not convert. */
        Object convert(Object v) {
            return switch (this) {
                case STRING -> v instanceof BigDecimal d ? d.toPlainString() : String.valueOf(v);
                case INTEGER -> integer(v);
                case FLOAT -> floating(v);
                case BOOLEAN -> bool(v);
            };
        }

        private static Object integer(Object v) {
            if (v instanceof Integer || v instanceof Long) {
                return v;
            }
            if (v instanceof Number n) {
                return n.longValue();
            }
            if (v instanceof Boolean b) {
                return b ? 1L : 0L;
            }
            String s = String.valueOf(v).strip();
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                try {
                    return new BigDecimal(s).longValue();
                } catch (NumberFormatException e2) {
                    return null;
                }
            }
        }

        private static Object floating(Object v) {
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            try {
                double d = Double.parseDouble(String.valueOf(v).strip());
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private static Object bool(Object v) {
            if (v instanceof Boolean) {
                return v;
            }
            return switch (String.valueOf(v).strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1", "t", "y" -> Boolean.TRUE;
                case "false", "no", "off", "0", "f", "n", "" -> Boolean.FALSE;
                default -> null;
            };
        }
    }

    @Override
    public String type() {
        return "convert";
    }

    @Override
    public String description() {
        return "Changes the type of fields (integer, float, boolean, string); tags `" + FAILURE + "` and keeps the value when one does not convert.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        Map<FieldPath, To> types = new LinkedHashMap<>();
        config.getMap("fields").forEach((name, type) -> {
            FieldPath path = Processors.path(config, "fields", name);
            try {
                types.put(path, To.valueOf(type.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(config.pathOf("fields") + "." + name, type, "expected integer, float, boolean or string");
            }
        });
        return (event, chain) -> {
            types.forEach((path, to) -> {
                Object v = event.get(path);
                if (v != null) {
                    Object c = to.convert(v);
                    if (c == null) {
                        event.tag(FAILURE);
                    } else if (c != v) {
                        event.set(path, c);
                    }
                }
            });
            chain.proceed(event);
        };
    }
}
