package io.polybus.monitor;

import io.polybus.events.ComponentContext;
import io.polybus.events.ComponentProvider;
import io.polybus.spi.ProviderConfig;

/**
 * Creates {@link Notifier}s from the entries of a {@code monitor.notifiers} list: the plug-in shape of every
 * component ({@link ComponentProvider}), picked by the entry's {@code type:}. The built-ins ({@code stdout},
 * {@code file}, {@code webhook}, {@code alertmanager}, {@code topic}) are registered exactly as a third-party jar's: list the class in
 * {@code META-INF/services/io.polybus.monitor.NotifierProvider}. Every entry also has the keys all notifiers
 * share ({@link MonitorConfig#notifierKeys()}: {@code name}); {@link #configDef()} holds the others.
 *
 * <pre>{@code
 * public final class SlackNotifierProvider implements NotifierProvider {
 *     private static final ConfigDef KEYS = ConfigDef.builder("notifier", "slack")
 *             .defineRequired("channel", ConfigDef.Type.STRING, ConfigDef.nonEmpty(), "The channel to post to.")
 *             .build();
 *     public String type() { return "slack"; }
 *     public String description() { return "Posts each alert notice to a Slack channel."; }
 *     public ConfigDef configDef() { return KEYS; }
 *     public Notifier create(ProviderConfig config, ComponentContext context) {
 *         String channel = config.getString("channel");
 *         return alert -> post(channel, alert.summary());
 *     }
 * }
 * }</pre>
 *
 * <p>Providers are shared and must be thread-safe; construction must be cheap (no connection, no thread).
 */
public interface NotifierProvider extends ComponentProvider<Notifier> {

    /**
     * Creates one notifier with what the monitor offers besides the {@link ComponentContext}: the console and the
     * monitor's health. The monitor always calls this method; the default passes the component context on to
     * {@link #create(ProviderConfig, ComponentContext)}, which is all most notifiers need.
     *
     * @throws io.polybus.ConfigException for a combination of keys that is wrong
     * @throws io.polybus.PolybusException when something the notifier needs cannot be opened
     */
    default Notifier create(ProviderConfig config, NotifierContext context) {
        return create(config, context.component());
    }
}
