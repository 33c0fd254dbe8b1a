package io.polybus.monitor.internal.notifiers;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.ConfigException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * POSTs JSON bodies to one URL for the notifiers that speak HTTP ({@code webhook}, {@code alertmanager}), with the
 * keys they share: connection errors, timeouts, 429 and 5xx are retried with exponential backoff, other statuses fail
 * at once; an {@code https} URL turns TLS on with the {@code tls.*} keys every Polybus client has. The URL's path and
 * query and the header values are never logged: they may hold tokens. Counts its retries
 * ({@code polybus.monitor.notification.retries}). Thread-safe.
 */
final class HttpPoster {
    private static final Logger log = LoggerFactory.getLogger(HttpPoster.class);
    private static final Duration POSITIVE = Duration.ofMillis(1);
    private static final int SHOWN_REFUSAL_CHARS = 300;
    private static final String URL_ACCEPTED = "an http or https URL with a host (the URL is not shown: it may hold a secret)";

    /** What a notifier tells the poster besides the shared keys. */
    record Target(String what, URI url, Map<String, String> headers, boolean showRefusal) {
    }

    /** The retry and timeout keys and the TLS keys; use as {@code builder.include(HttpPoster::define)}. */
    static void define(ConfigDef.Builder builder) {
        builder.define("timeout", ConfigDef.Type.DURATION, "5s", ConfigDef.atLeast(POSITIVE),
                        "How long one attempt (connecting included) may take.")
                .define("retries", ConfigDef.Type.INT, "3", ConfigDef.atLeast(0),
                        "Attempts after the first, on connection errors, timeouts, 429 and 5xx; other statuses fail at once.")
                .define("backoff", ConfigDef.Type.DURATION, "500ms", ConfigDef.atLeast(POSITIVE),
                        "The wait before the first retry, doubled after each one.")
                .define("max-backoff", ConfigDef.Type.DURATION, "10s", ConfigDef.atLeast(POSITIVE),
                        "The longest wait between retries.")
                .include(TlsSettings::defineStores);
    }

    /** Reads a {@code url} key: an http or https URL with a host; a problem never shows the URL. */
    static URI url(Object raw, String path) {
        if (!(raw instanceof Map<?, ?>) && !(raw instanceof List<?>)) {
            try {
                URI uri = new URI(String.valueOf(raw).trim());
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (URISyntaxException e) {
                // reported below, without the URL
            }
        }
        throw new ConfigException(path, null, "expected " + URL_ACCEPTED);
    }

    private final String name;
    private final Target target;
    private final String safeUri;
    private final Duration timeout;
    private final int retries;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final HttpClient client;
    private final LongAdder retried = new LongAdder();

    /**
     * @param name   the notifier's name, for its meters
     * @param config the notifier's keys, {@link #define} among them
     * @throws ConfigException for a TLS file or password that cannot be read, or TLS keys with an {@code http} URL
     */
    HttpPoster(String name, Target target, ProviderConfig config) {
        this.name = name;
        this.target = target;
        URI uri = target.url();
        // Scheme, host and port only: webhook paths carry tokens (Slack's /services/T.../B.../<secret>).
        this.safeUri = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        this.timeout = config.getDuration("timeout");
        this.retries = config.getInt("retries");
        this.firstBackoff = config.getDuration("backoff");
        this.maxBackoff = config.getDuration("max-backoff");
        TlsSettings tls = TlsSettings.from(config, "https".equals(uri.getScheme()), "an `https://` url");
        if (tls.enabled() && !tls.verifyHostname()) {
            throw new ConfigException(config.pathOf(TlsSettings.VERIFY_HOSTNAME), "false",
                    "true: Java's HTTP client always checks that the server's certificate names its host");
        }
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(timeout);
        if (tls.enabled()) {
            client.sslContext(tls.sslContext()).sslParameters(tls.sslParameters());
        }
        this.client = client.build();
    }

    /** Scheme, host and port of the URL: what messages may show. */
    String safeUri() {
        return safeUri;
    }

    void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("polybus.monitor.notification.retries", retried, LongAdder::sum).tag("notifier", name)
                .description("HTTP notifier attempts retried").register(registry);
    }

    /**
     * POSTs {@code body} as JSON, retrying as configured.
     *
     * @param subject what is sent, for messages ({@code alert nginx-5xx/web-1/1795255200000})
     * @throws IOException when the server refused it (4xx other than 429) or every attempt failed; the message names
     *                     the server (scheme, host, port), the status or error, and how many attempts were made
     */
    void post(byte[] body, String subject) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.url()).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        target.headers().forEach(request::header);
        HttpRequest built = request.build();
        Duration backoff = firstBackoff;
        for (int attempt = 1; ; attempt++) {
            String failure;
            try {
                HttpResponse<InputStream> response = client.send(built, HttpResponse.BodyHandlers.ofInputStream());
                int status = response.statusCode();
                String refusal = refusal(response);
                if (status >= 200 && status < 300) {
                    return;
                }
                failure = "HTTP " + status + refusal;
                if (status != 429 && status < 500) {
                    throw new RefusedException(target.what() + " " + safeUri + " refused " + subject + ": " + failure);
                }
            } catch (RefusedException e) {
                throw e;
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt > retries) {
                throw new IOException(target.what() + " " + safeUri + " failed " + attempt + " times for " + subject
                        + "; last: " + failure);
            }
            log.debug("{} {} attempt {} failed ({}); retrying in {}", target.what(), safeUri, attempt, failure, backoff);
            retried.increment();
            Thread.sleep(backoff.toMillis());
            Duration doubled = backoff.multipliedBy(2);
            backoff = doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
        }
    }

    /** Reads the answer; for a target that shows refusals, the start of a non-2xx answer, else nothing. */
    private String refusal(HttpResponse<InputStream> response) throws IOException {
        try (InputStream in = response.body()) {
            int status = response.statusCode();
            if (!target.showRefusal() || (status >= 200 && status < 300)) {
                in.transferTo(OutputStream.nullOutputStream());
                return "";
            }
            String text = new String(in.readNBytes(SHOWN_REFUSAL_CHARS), StandardCharsets.UTF_8).strip();
            in.transferTo(OutputStream.nullOutputStream());
            return text.isEmpty() ? "" : " (" + text.replaceAll("\\s+", " ") + ")";
        }
    }

    /** A status that retrying will not change. */
    private static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }
}
