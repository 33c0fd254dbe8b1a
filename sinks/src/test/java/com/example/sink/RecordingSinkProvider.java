package com.example.sink;

import io.polybus.events.ComponentContext;
import io.polybus.events.Sink;
import io.polybus.events.SinkProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sink that lives only in test sources, as a third-party jar's would: a store keyed by record id (so a
 * duplicate is kept once), which refuses events whose message contains {@code refuse-word}, and fails the first
 * {@code fail-first} writes as a store that is down would.
 */
public final class RecordingSinkProvider implements SinkProvider {
    /** What each store (by sink name) holds: id to JSON. */
    public static final Map<String, Map<String, String>> STORES = new ConcurrentHashMap<>();
    /** Writes each store was asked to do, failed ones included. */
    public static final Map<String, AtomicInteger> WRITES = new ConcurrentHashMap<>();

    private static final ConfigDef KEYS = ConfigDef.builder("sink", "recording")
            .define("refuse-word", ConfigDef.Type.STRING, null, "Events whose message contains it are refused for good.")
            .define("fail-first", ConfigDef.Type.INT, "0", ConfigDef.atLeast(0), "Writes that fail before the store works.")
            .build();

    @Override
    public String type() {
        return "recording";
    }

    @Override
    public String description() {
        return "A test store.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Sink create(ProviderConfig config, ComponentContext context) {
        String name = context.name();
        Map<String, String> store = STORES.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
        AtomicInteger writes = WRITES.computeIfAbsent(name, n -> new AtomicInteger());
        String refuse = config.findString("refuse-word").orElse(null);
        int failFirst = config.getInt("fail-first");
        return records -> {
            if (writes.incrementAndGet() <= failFirst) {
                throw new java.io.IOException("connection refused (a test store that is down)");
            }
            List<Sink.Refusal> refused = new ArrayList<>();
            for (Sink.Record r : records) {
                if (refuse != null && r.event().json().path("message").asText().contains(refuse)) {
                    refused.add(new Sink.Refusal(r, "mapper_parsing_exception: the word '" + refuse + "'"));
                } else {
                    store.put(r.id(), new String(r.json(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            return refused;
        };
    }
}
