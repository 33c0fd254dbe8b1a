package io.polybus.agent.internal;

import com.google.inject.Guice;
import com.google.inject.Inject;
import io.polybus.agent.SourceProvider;
import io.polybus.events.ComponentModule;
import io.polybus.events.ProcessorProvider;

import java.util.Map;

/**
 * The source and processor providers on the class path, by type, as Guice binds them from {@link java.util.ServiceLoader}
 * ({@link ComponentModule}): built-ins and third-party jars alike.
 */
public final class AgentPlugins {
    private final Map<String, SourceProvider> sources;
    private final Map<String, ProcessorProvider> processors;

    @Inject
    AgentPlugins(Map<String, SourceProvider> sources, Map<String, ProcessorProvider> processors) {
        this.sources = sources;
        this.processors = processors;
    }

    /** The providers found now. */
    public static AgentPlugins load() {
        return Guice.createInjector(ComponentModule.of(SourceProvider.class), ComponentModule.of(ProcessorProvider.class))
                .getInstance(AgentPlugins.class);
    }

    public Map<String, SourceProvider> sources() {
        return sources;
    }

    public Map<String, ProcessorProvider> processors() {
        return processors;
    }
}
