package io.polybus.monitor;

/**
 * Delivers alert notices somewhere: stdout, a file, a webhook, a topic, anything a {@link NotifierProvider}
 * creates from a {@code notifiers:} entry, or what a program plugs in with {@link Monitor.Builder#notifier}. The
 * monitor calls each notifier from one thread of its own, in the order the notices were made, so a slow notifier
 * delays neither the others nor the evaluation of events.
 *
 * <p>A notifier with meters implements {@link io.micrometer.core.instrument.binder.MeterBinder}: the monitor binds
 * it together with its own meters.
 */
@FunctionalInterface
public interface Notifier extends AutoCloseable {

    /**
     * Delivers one notice, retrying as the notifier sees fit.
     *
     * @throws Exception when the notice could not be delivered; the monitor logs and counts it
     */
    void send(Alert alert) throws Exception;

    /** Releases what the notifier holds. The default does nothing. */
    @Override
    default void close() {
    }
}
