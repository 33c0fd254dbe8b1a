package io.polybus.monitor.internal.notifiers;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.monitor.Alert;
import io.polybus.monitor.Notifier;

import java.io.IOException;

/**
 * POSTs each notice as JSON through an {@link HttpPoster}: retried with backoff on connection errors, timeouts, 429
 * and 5xx, failing at once on other statuses; nothing of the URL but its scheme, host and port is ever logged.
 */
final class WebhookNotifier implements Notifier, MeterBinder {
    private final HttpPoster poster;

    WebhookNotifier(HttpPoster poster) {
        this.poster = poster;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        poster.bindTo(registry);
    }

    @Override
    public void send(Alert alert) throws IOException, InterruptedException {
        poster.post(alert.toJsonBytes(), "alert " + alert.id());
    }
}
