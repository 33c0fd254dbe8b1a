package io.polybus.monitor.internal;

import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import io.polybus.monitor.Notifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * POSTs each notice as JSON. Connection errors, timeouts, 429 and 5xx are retried with exponential backoff;
 * other statuses fail at once. The URL's query and the header values are never logged: they may hold tokens.
 */
final class WebhookNotifier implements Notifier {
    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);

    private final MonitorConfig.NotifierSpec.Webhook spec;
    private final URI uri;
    private final String safeUri;
    private final HttpClient client;
    private final Runnable onRetry;

    WebhookNotifier(MonitorConfig.NotifierSpec.Webhook spec, Runnable onRetry) {
        this.spec = spec;
        this.uri = URI.create(spec.url());
        this.safeUri = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + uri.getPath();
        this.client = HttpClient.newBuilder().connectTimeout(spec.timeout()).build();
        this.onRetry = onRetry;
    }

    @Override
    public void send(Alert alert) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(spec.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(alert.toJsonBytes()));
        spec.headers().forEach(request::header);
        HttpRequest built = request.build();
        Duration backoff = spec.backoff();
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
            if (attempt > spec.retries()) {
                throw new IOException("webhook " + safeUri + " failed " + attempt + " times for alert " + alert.id() + "; last: " + failure);
            }
            log.debug("webhook {} attempt {} failed ({}); retrying in {}", safeUri, attempt, failure, backoff);
            onRetry.run();
            Thread.sleep(backoff.toMillis());
            backoff = backoff.multipliedBy(2).compareTo(spec.maxBackoff()) > 0 ? spec.maxBackoff() : backoff.multipliedBy(2);
        }
    }

    /** A status that retrying will not change. */
    private static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }
}
