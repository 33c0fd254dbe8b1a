package com.example.processor;

import io.polybus.events.ComponentContext;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test processor ({@code type: gate}, {@code name: ...}) that holds every event while its gate is closed, so a
 * test can stop a source's thread in the middle of a file and change the file under it. Registered in the test
 * services file like a third-party processor.
 */
public final class Gate implements ProcessorProvider {
    private static final Map<String, State> GATES = new ConcurrentHashMap<>();

    private static final class State {
        boolean open;
        boolean waiting;
    }

    private static State state(String name) {
        return GATES.computeIfAbsent(name, n -> new State());
    }

    /** Closes gate {@code name}: events wait in it until {@link #open}. */
    public static void close(String name) {
        State s = state(name);
        synchronized (s) {
            s.open = false;
        }
    }

    public static void open(String name) {
        State s = state(name);
        synchronized (s) {
            s.open = true;
            s.notifyAll();
        }
    }

    /** Whether an event waits in the closed gate. */
    public static boolean holding(String name) {
        State s = state(name);
        synchronized (s) {
            return s.waiting;
        }
    }

    @Override
    public String type() {
        return "gate";
    }

    @Override
    public String description() {
        return "Holds events while the test keeps it closed.";
    }

    @Override
    public ConfigDef configDef() {
        return ConfigDef.builder("processor", "gate").define("name", ConfigDef.Type.STRING, "gate", "The gate's name.").build();
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        String name = config.getString("name");
        return (event, chain) -> {
            State s = state(name);
            synchronized (s) {
                while (!s.open) {
                    s.waiting = true;
                    try {
                        s.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                s.waiting = false;
            }
            chain.proceed(event);
        };
    }
}
