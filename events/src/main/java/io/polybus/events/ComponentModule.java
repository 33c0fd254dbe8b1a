package io.polybus.events;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;

/**
 * Binds the providers of one kind found on the class path ({@link Components#load}) into a Guice
 * {@code Map<String, P>} by type, so the code that reads configuration takes them by injection and never names an
 * implementation. Install one per kind: {@code install(ComponentModule.of(ProcessorProvider.class))}.
 *
 * @param <P> the provider kind
 */
public final class ComponentModule<P extends ComponentProvider<?>> extends AbstractModule {
    private final Class<P> kind;

    private ComponentModule(Class<P> kind) {
        this.kind = kind;
    }

    public static <P extends ComponentProvider<?>> ComponentModule<P> of(Class<P> kind) {
        return new ComponentModule<>(kind);
    }

    @Override
    protected void configure() {
        MapBinder<String, P> providers = MapBinder.newMapBinder(binder(), String.class, kind);
        Components.load(kind).forEach((type, provider) -> providers.addBinding(type).toInstance(provider));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ComponentModule<?> m && m.kind.equals(kind);
    }

    @Override
    public int hashCode() {
        return kind.hashCode();
    }
}
