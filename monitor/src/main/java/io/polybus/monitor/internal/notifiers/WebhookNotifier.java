package io.polybus.monitor.internal.notifiers;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.monitor.Alert;
import io.polybus.monitor.Notifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * POSTs each notice as JSON. Connection errors, timeouts, 429 and 5xx are retried with exponential backoff;
 * other statuses fail at once. The URL's query and the header values are never logged: they may hold tokens.
 * Counts its retries ({@code polybus.monitor.notification.retries}).
 */
final class WebhookNotifier implements Notifier, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);

    /** The webhook's keys, parsed. */
    record Settings(URI url, Map<String, String> headers, Duration timeout, int retries, Duration backoff,
                    Duration maxBackoff) {
    }

    private final String name;
    private final Settings settings;
    private final String safeUri;
    private final HttpClient client;
    private final LongAdder retried = new LongAdder();

    WebhookNotifier(String name, Settings settings) {
        this.name = name;
        this.settings = settings;
        URI uri = settings.url();
        // Scheme, host and port only: webhook paths carry tokens (Slack's /services/T.../B.../<secret>).
        this.safeUri = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        this.client = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("polybus.monitor.notification.retries", retried, LongAdder::sum).tag("notifier", name)
                .description("Webhook attempts retried").register(registry);
    }

    @Override
    public void send(Alert alert) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.url()).timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(alert.toJsonBytes()));
        settings.headers().forEach(request::header);
        HttpRequest built = request.build();
        Duration backoff = settings.backoff();
        for (int attempt = 1; ; attempt++) {
            String failure;
            try {
                HttpResponse<Void> response = client.send(built, HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return;
                }
                failure = "HTTP " + status;
                if (status != 429 && status < 500) {
                    throw new RefusedException("webhook " + safeUri + " refused alert " + alert.id() + ": " + failure);
                }
            } catch (RefusedException e) {
                throw e;
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt > settings.retries()) {
                throw new IOException("webhook " + safeUri + " failed " + attempt + " times for alert " + alert.id() + "; last: " + failure);
            }
            log.debug("webhook {} attempt {} failed ({}); retrying in {}", safeUri, attempt, failure, backoff);
            retried.increment();
            Thread.sleep(backoff.toMillis());
            Duration doubled = backoff.multipliedBy(2);
            backoff = doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
        }
    }

    /** A status that retrying will not change. */
    private static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }
}
