package io.polybus.agent.internal.processors;

import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code combined}: the combined access log format of nginx and Apache into {@code remote_addr},
 * {@code request_method}, {@code request_uri}, {@code status}, ... and the event's time. Also registered as
 * {@code nginx-combined} and {@code apache-combined}.
 */
public class CombinedProcessorProvider implements ProcessorProvider {
    static final String FAILURE = "_combined_parse_failure";
    private static final Pattern COMBINED = Pattern.compile(
            "^(\\S+) \\S+ (\\S+) \\[([^\\]]+)\\] \"((\\S+) (\\S+)(?: (\\S+))?|[^\"]*)\" (\\d{3}) (\\d+|-)(?: \"((?:[^\"\\\\]|\\\\.)*)\" \"((?:[^\"\\\\]|\\\\.)*)\")?.*$");

    @Override
    public String type() {
        return "combined";
    }

    @Override
    public String description() {
        return "The combined access log format of nginx and Apache into fields and the event's time; tags `" + FAILURE + "` otherwise.";
    }

    @Override
    public ConfigDef configDef() {
        return ConfigDef.builder("processor", type())
                .define("field", Type.STRING, "message", "The field holding the access log line.").build();
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        FieldPath field = FieldPath.of(config, "field");
        return (event, chain) -> {
            String text = Processors.text(event, field);
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
                event.tag(FAILURE);
            }
            chain.proceed(event);
        };
    }

    private static void putUnlessDash(Map<String, Object> fields, String name, String value) {
        if (value != null && !value.equals("-")) {
            fields.put(name, value);
        }
    }

    /** {@code nginx-combined}: the same format. */
    public static final class Nginx extends CombinedProcessorProvider {
        @Override
        public String type() {
            return "nginx-combined";
        }
    }

    /** {@code apache-combined}: the same format. */
    public static final class Apache extends CombinedProcessorProvider {
        @Override
        public String type() {
            return "apache-combined";
        }
    }
}
