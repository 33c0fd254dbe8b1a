package io.polybus.cli.internal;

import com.google.inject.Guice;
import com.google.inject.Inject;
import io.polybus.agent.SourceProvider;
import io.polybus.events.ComponentModule;
import io.polybus.events.ProcessorProvider;
import io.polybus.events.SinkProvider;
import io.polybus.monitor.NotifierProvider;

import java.util.Map;

/**
 * Every kind of component the {@code polybus} command runs, bound by Guice from the providers on the class path
 * ({@link ComponentModule}): built-ins and third-party jars alike.
 */
final class CliPlugins {
    final Map<String, SourceProvider> sources;
    final Map<String, ProcessorProvider> processors;
    final Map<String, NotifierProvider> notifiers;
    final Map<String, SinkProvider> sinks;

    @Inject
    CliPlugins(Map<String, SourceProvider> sources, Map<String, ProcessorProvider> processors,
               Map<String, NotifierProvider> notifiers, Map<String, SinkProvider> sinks) {
        this.sources = sources;
        this.processors = processors;
        this.notifiers = notifiers;
        this.sinks = sinks;
    }

    static CliPlugins load() {
        return Guice.createInjector(ComponentModule.of(SourceProvider.class), ComponentModule.of(ProcessorProvider.class),
                ComponentModule.of(NotifierProvider.class), ComponentModule.of(SinkProvider.class)).getInstance(CliPlugins.class);
    }
}
