package io.polybus.memory.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The shared state behind every memory broker of one name: its topics. Lives while a broker of the name is open. */
final class Engine {
    private static final Map<String, Engine> INSTANCES = new HashMap<>();

    private final String name;
    private final int partitions;
    private final long maxGroupBytes;
    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private int references;

    private Engine(String name, int partitions, long maxGroupBytes) {
        this.name = name;
        this.partitions = partitions;
        this.maxGroupBytes = maxGroupBytes;
    }

    /** The engine called {@code name}, created on first use; every call must be paired with {@link #release()}. */
    static Engine acquire(String name, int partitions, long maxGroupBytes) {
        synchronized (INSTANCES) {
            Engine engine = INSTANCES.computeIfAbsent(name, n -> new Engine(n, partitions, maxGroupBytes));
            engine.references++;
            return engine;
        }
    }

    void release() {
        synchronized (INSTANCES) {
            if (--references == 0) {
                INSTANCES.remove(name);
            }
        }
    }

    Topic topic(String topic) {
        Topic t = topics.get(topic);
        return t != null ? t : topics.computeIfAbsent(topic, n -> new Topic(n, partitions, maxGroupBytes));
    }
}
