package io.polybus.events;

import io.polybus.spi.ProviderConfig;

/**
 * One configured component, its keys checked but nothing created yet: {@code polybus validate} stops here, a
 * running process calls {@link #create}.
 *
 * @param kind     {@code source}, {@code processor}, {@code sink}, {@code notifier}
 * @param provider the provider its {@code type} picked
 * @param config   its keys (the kind's shared ones and the provider's), parsed
 * @param <P>      the provider kind
 */
public record ComponentSpec<P extends ComponentProvider<?>>(String kind, P provider, ProviderConfig config) {

    /** Its {@code type}. */
    public String type() {
        return provider.type();
    }

    /** Where it is in its file ({@code sources[0].processors[1]}). */
    public String path() {
        return config.path();
    }

    /** Creates the component. */
    @SuppressWarnings("unchecked")
    public <T> T create(ComponentContext context) {
        return (T) provider.create(config, context);
    }
}
