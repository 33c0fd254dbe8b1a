package io.polybus.monitor.internal.notifiers;

import io.polybus.Broker;
import io.polybus.ProducerOptions;
import io.polybus.events.ComponentContext;
import io.polybus.events.PipelineHealth;
import io.polybus.monitor.Notifier;
import io.polybus.monitor.NotifierContext;
import io.polybus.monitor.NotifierProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.time.Duration;
import java.util.Objects;

/** {@code type: topic}: publishes each notice through the process's broker. */
public final class TopicNotifierProvider implements NotifierProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("notifier", "topic")
            .define("topic", ConfigDef.Type.STRING, "alerts", ConfigDef.nonEmpty(),
                    "The topic notices are published to, as JSON keyed by the rule's name, with the header "
                            + "`alert-status` (firing or resolved).")
            .build();

    @Override
    public String type() {
        return "topic";
    }

    @Override
    public String description() {
        return "Publishes each alert notice to a topic of the broker, for other consumers.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Notifier create(ProviderConfig config, NotifierContext context) {
        return create(config, context.component(), context.health());
    }

    /** Outside a monitor: the notifier reports the broker's reachability to a health of its own. */
    @Override
    public Notifier create(ProviderConfig config, ComponentContext context) {
        return create(config, context, new PipelineHealth(context.name(), context.clock(), Duration.ofSeconds(30),
                Duration.ofMinutes(2)));
    }

    private static Notifier create(ProviderConfig config, ComponentContext context, PipelineHealth health) {
        Broker broker = Objects.requireNonNull(context.broker(), "the topic notifier needs the process's broker");
        return new TopicNotifier(broker.producer(ProducerOptions.defaults()), config.getString("topic"), health);
    }
}
