package io.polybus.agent.internal.processors;

import io.polybus.events.ComponentContext;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.events.Template;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code sample}: keeps one event in {@code rate}; the others are dropped and counted as filtered. With a
 * {@code key}, the choice is by the key's hash, so all the events of one key (a request id, a user) are kept or
 * dropped together, on every agent alike.
 */
public final class SampleProcessorProvider implements ProcessorProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "sample")
            .defineRequired("rate", Type.INT, ConfigDef.atLeast(1), "Keep one event in this many, e.g. `10`.")
            .defineParsed("key", "a template", SampleProcessorProvider::template,
                    "A template such as `{request_id}`: events whose key renders the same are kept or dropped together.")
            .build();

    @Override
    public String type() {
        return "sample";
    }

    @Override
    public String description() {
        return "Keeps one event in `rate` (by the hash of `key` when given); the others are counted as filtered.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        int rate = config.getInt("rate");
        Template key = config.find("key", Template.class).orElse(null);
        if (key == null) {
            long[] seen = {0};
            return (event, chain) -> {
                if (seen[0]++ % rate == 0) {
                    chain.proceed(event);
                }
            };
        }
        return (event, chain) -> {
            if (Integer.remainderUnsigned(hash(key.render(event)), rate) == 0) {
                chain.proceed(event);
            }
        };
    }

    /** FNV-1a over the key's UTF-8 bytes: the same on every machine and JVM, unlike String.hashCode's spread. */
    static int hash(String key) {
        int h = 0x811c9dc5;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return h;
    }

    private static Template template(Object raw, String path) {
        if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
            throw new IllegalArgumentException("not a single value");
        }
        return Template.parse(String.valueOf(raw));
    }
}
