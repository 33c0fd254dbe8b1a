package io.polybus.events;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

/**
 * The one shape of every plug-in (source, processor, sink, notifier), built-ins included: found with
 * {@link java.util.ServiceLoader} (list the class in {@code META-INF/services/<kind interface>}, e.g.
 * {@code io.polybus.events.ProcessorProvider}), picked by the {@code type:} of its YAML entry, its keys checked
 * by its {@link ConfigDef} before anything is created. {@code polybus validate} checks every component's keys,
 * and the docs' key tables are rendered from the same definitions.
 *
 * <p>A provider is cheap to construct (no connection, no thread): every provider on the class path is
 * instantiated to find the types. Providers are shared and must be thread-safe.
 *
 * @param <T> what it creates
 */
public interface ComponentProvider<T> {

    /** The value of {@code type:} that selects this provider, e.g. {@code json}; unique within its kind. */
    String type();

    /** One line for people. */
    String description();

    /** Every key this component accepts besides the ones its kind shares (such as {@code type}). */
    ConfigDef configDef();

    /**
     * Creates one component.
     *
     * @param config  its keys, parsed with {@link #configDef()} (and the keys its kind shares)
     * @param context what the component may use of the process it runs in
     * @throws io.polybus.ConfigException for a combination of keys that is wrong (naming them by
     *                                    {@link ProviderConfig#pathOf})
     * @throws io.polybus.PolybusException when something it needs cannot be opened
     */
    T create(ProviderConfig config, ComponentContext context);
}
