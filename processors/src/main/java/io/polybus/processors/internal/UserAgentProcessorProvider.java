package io.polybus.processors.internal;

import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.events.SharedFields;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;
import ua_parser.Client;
import ua_parser.Parser;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * {@code user-agent}: the browser, its version, the operating system and the device of a User-Agent header, with
 * ua-parser's patterns (uap-java, the uap-core regexes that Elasticsearch's ingest and Logstash use too). The
 * patterns are compiled once per process; each processor keeps the results of its latest distinct headers.
 */
public final class UserAgentProcessorProvider implements ProcessorProvider {
    static final String UNKNOWN = "_user_agent_unknown";
    private static final String OTHER = "Other";
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "user-agent")
            .define("field", Type.STRING, "http_user_agent", "The field holding the User-Agent header.")
            .define("target", Type.STRING, "user_agent", "Where `browser`, `browser_version`, `os`, `os_version` and `device` go (a field path).")
            .define("cache-size", Type.INT, "10000", ConfigDef.atLeast(0), "How many distinct headers' results are kept (0: none).")
            .build();

    /** ua-parser's patterns, compiled when the first processor is made. */
    private static final class Patterns {
        static final Parser PARSER = new Parser();
    }

    @Override
    public String type() {
        return "user-agent";
    }

    @Override
    public String description() {
        return "Browser, version, OS and device from a User-Agent header (ua-parser), with a cache; tags `" + UNKNOWN + "` when the browser is not known.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        FieldPath field = FieldPath.of(config, "field");
        FieldPath target = FieldPath.of(config, "target");
        LookupCache<SharedFields> cache = new LookupCache<>(config.getInt("cache-size"));
        Parser parser = Patterns.PARSER;
        return (event, chain) -> {
            Object v = event.get(field);
            if (v != null) {
                SharedFields ua = cache.get(String.valueOf(v), header -> describe(parser.parse(header)));
                event.set(target, ua);
                if (OTHER.equals(ua.get("browser"))) {
                    event.tag(UNKNOWN);
                }
            }
            chain.proceed(event);
        };
    }

    private static SharedFields describe(Client c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("browser", c.userAgent == null ? OTHER : c.userAgent.family);
        if (c.userAgent != null) {
            putVersion(out, "browser_version", c.userAgent.major, c.userAgent.minor, c.userAgent.patch);
        }
        out.put("os", c.os == null ? OTHER : c.os.family);
        if (c.os != null) {
            putVersion(out, "os_version", c.os.major, c.os.minor, c.os.patch);
        }
        out.put("device", c.device == null ? OTHER : c.device.family);
        return SharedFields.of(out);
    }

    private static void putVersion(Map<String, Object> out, String key, String... parts) {
        StringJoiner j = new StringJoiner(".");
        for (String p : parts) {
            if (p == null || p.isEmpty()) {
                break;
            }
            j.add(p);
        }
        if (j.length() > 0) {
            out.put(key, j.toString());
        }
    }
}
