package com.example.notifier;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.events.ComponentContext;
import io.polybus.monitor.Alert;
import io.polybus.monitor.Notifier;
import io.polybus.monitor.NotifierProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A notifier as a third party would write one, in a package of its own, registered only by the services file
 * in {@code src/test/resources}: {@code type: inbox} keeps the notices in memory under its {@code inbox} key.
 */
public final class InboxNotifierProvider implements NotifierProvider {
    private static final Map<String, List<Alert>> INBOXES = new ConcurrentHashMap<>();
    private static final ConfigDef KEYS = ConfigDef.builder("notifier", "inbox")
            .defineRequired("inbox", ConfigDef.Type.STRING, ConfigDef.nonEmpty(), "The inbox notices are kept in.")
            .build();

    /** The notices delivered to {@code inbox} so far. */
    public static List<Alert> inbox(String inbox) {
        return INBOXES.computeIfAbsent(inbox, k -> new CopyOnWriteArrayList<>());
    }

    @Override
    public String type() {
        return "inbox";
    }

    @Override
    public String description() {
        return "Keeps alert notices in memory, for tests.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Notifier create(ProviderConfig config, ComponentContext context) {
        List<Alert> inbox = inbox(config.getString("inbox"));
        return new InboxNotifier(context.name(), inbox);
    }

    /** Counts what it received in a meter of its own, which the monitor binds with its own. */
    private static final class InboxNotifier implements Notifier, MeterBinder {
        private final String name;
        private final List<Alert> inbox;
        private final AtomicLong received = new AtomicLong();

        InboxNotifier(String name, List<Alert> inbox) {
            this.name = name;
            this.inbox = inbox;
        }

        @Override
        public void send(Alert alert) {
            inbox.add(alert);
            received.incrementAndGet();
        }

        @Override
        public void bindTo(MeterRegistry registry) {
            FunctionCounter.builder("example.inbox.received", received, AtomicLong::get).tag("inbox", name).register(registry);
        }
    }
}
