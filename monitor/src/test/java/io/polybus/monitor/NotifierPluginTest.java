package io.polybus.monitor;

import com.example.notifier.InboxNotifierProvider;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.Message;
import io.polybus.events.ComponentModule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A notifier defined only in test sources, registered by its own services file, is one more {@code type:}. */
class NotifierPluginTest {
    private static final Key<Map<String, NotifierProvider>> PROVIDERS = Key.get(new TypeLiteral<>() {
    });

    private final Map<String, NotifierProvider> providers =
            Guice.createInjector(ComponentModule.of(NotifierProvider.class)).getInstance(PROVIDERS);

    @Test
    void builtInsAndThePluginAreBoundByType() {
        assertEquals(Set.of("stdout", "file", "webhook", "alertmanager", "topic", "inbox"), providers.keySet());
        assertTrue(providers.get("inbox") instanceof InboxNotifierProvider);
    }

    @Test
    void aNotifierFromTestSourcesIsFoundByItsTypeAndReceivesTheAlerts() {
        String inbox = "inbox-" + UUID.randomUUID();
        String topic = "logs-" + UUID.randomUUID();
        MonitorConfig config = MonitorConfig.parse(Config.readYaml("""
                monitor:
                  time: arrival
                  topic: %s
                  rules:
                    - {name: errors, type: match, where: {field: level, equals: ERROR}}
                  notifiers:
                    - {type: inbox, name: mine, inbox: %s}
                """.formatted(topic, inbox), Map.<String, String>of()::get).get("monitor"), "monitor", providers);
        MeterRegistry registry = new SimpleMeterRegistry();
        try (Broker broker = Brokers.open(Config.of("type", "memory", "name", "plugin-test-" + UUID.randomUUID()), registry);
             Monitor monitor = Monitor.builder(broker, config).start()) {
            monitor.bindTo(registry);
            broker.producer().send(Message.builder(topic)
                    .payload(NginxEvents.app("app-1", "ERROR", "boom", "1:1:a", 0).toString()).build()).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> InboxNotifierProvider.inbox(inbox).size() == 1);
            Alert alert = InboxNotifierProvider.inbox(inbox).get(0);
            assertEquals("errors", alert.rule());
            assertEquals(Alert.Status.FIRING, alert.status());
            await().atMost(Duration.ofSeconds(30)).until(() -> count(registry, "polybus.monitor.notifications",
                    "notifier", "mine", "outcome", "sent") == 1);
            assertEquals(1, count(registry, "example.inbox.received", "inbox", "mine"), "the plug-in's own meter is bound");
        }
    }

    @Test
    void thePluginsKeysAreCheckedByItsConfigDef() {
        ConfigException e = assertThrows(ConfigException.class, () -> MonitorConfig.parse(Config.readYaml("""
                monitor:
                  rules: [{name: quiet, type: absence, for: 1m}]
                  notifiers: [{type: inbox, inbx: x}]
                """, Map.<String, String>of()::get).get("monitor"), "monitor", providers));
        assertTrue(e.getMessage().contains("monitor.notifiers[0].inbx (notifier 'inbox'): unknown key for notifier 'inbox'; "
                + "known keys: name, inbox"), e.getMessage());
        assertTrue(e.getMessage().contains("monitor.notifiers[0].inbox (notifier 'inbox'): required"), e.getMessage());
    }

    private static double count(MeterRegistry registry, String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(tags).functionCounter();
        return c == null ? 0 : c.count();
    }
}
