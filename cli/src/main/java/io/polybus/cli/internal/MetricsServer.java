package io.polybus.cli.internal;

import io.polybus.events.HealthCheck;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.polybus.spi.TlsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} (Prometheus text format, from a {@link PrometheusMeterRegistry}) and
 * {@code GET /health} (JSON; 200 when every {@link HealthCheck} is healthy, 503 otherwise). Listens on
 * 127.0.0.1 unless configured otherwise; optionally over HTTPS (with client certificates when asked for) and with
 * HTTP basic authentication (refusals answer 401 and are counted). Thread-safe; close it to stop listening.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final Map<String, HealthCheck> checks;

    private MetricsServer(HttpServer server, ExecutorService executor, PrometheusMeterRegistry registry, Map<String, HealthCheck> checks) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
        this.checks = checks;
    }

    /**
     * Starts listening.
     *
     * @param checks what {@code /health} reports, by name (iteration order kept)
     * @throws IllegalStateException naming the address and port when they cannot be bound
     */
    public static MetricsServer start(MetricsConfig config, PrometheusMeterRegistry registry, Map<String, HealthCheck> checks) {
        HttpServer server;
        InetSocketAddress address = new InetSocketAddress(config.bind(), config.port());
        try {
            if (config.https()) {
                HttpsServer https = HttpsServer.create(address, 0);
                TlsSettings tls = config.tls();
                https.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()) {
                    @Override
                    public void configure(HttpsParameters parameters) {
                        parameters.setSSLParameters(tls.serverParameters());
                    }
                });
                server = https;
            } else {
                server = HttpServer.create(address, 0);
            }
        } catch (BindException e) {
            throw new IllegalStateException("metrics: cannot listen on " + config.bind() + ":" + config.port() + " (metrics.bind, metrics.port): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("metrics: cannot listen on " + config.bind() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "polybus-metrics-http");
            t.setDaemon(true);
            return t;
        });
        MetricsServer metrics = new MetricsServer(server, executor, registry, new LinkedHashMap<>(checks));
        HttpContext metricsContext = server.createContext("/metrics", metrics::metrics);
        HttpContext healthContext = server.createContext("/health", metrics::health);
        if (config.username().isPresent()) {
            Authenticator authenticator = new Authenticator(config, registry);
            metricsContext.setAuthenticator(authenticator);
            healthContext.setAuthenticator(authenticator);
            if (!config.https() && !loopback(config.bind())) {
                log.warn("metrics: basic authentication without tls on {}: the password crosses the network in the"
                        + " clear; turn on metrics.tls", config.bind());
            }
        }
        server.setExecutor(executor);
        server.start();
        log.info("metrics on {}://{}:{}/metrics, health on /health{}", config.https() ? "https" : "http", config.bind(),
                metrics.port(), config.username().isPresent() ? " (basic authentication)" : "");
        return metrics;
    }

    private static boolean loopback(String bind) {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Basic authentication against the configured user; refusals are counted, never logged with what was sent. */
    private static final class Authenticator extends BasicAuthenticator {
        private final byte[] username;
        private final byte[] password;
        private final Counter refused;

        Authenticator(MetricsConfig config, PrometheusMeterRegistry registry) {
            super("polybus", StandardCharsets.UTF_8);
            this.username = config.username().orElseThrow().getBytes(StandardCharsets.UTF_8);
            this.password = config.password().orElseThrow().value().getBytes(StandardCharsets.UTF_8);
            this.refused = Counter.builder("polybus.metrics.requests.unauthorized")
                    .description("requests to /metrics or /health refused for missing or wrong credentials")
                    .register(registry);
        }

        @Override
        public boolean checkCredentials(String user, String pass) {
            // Both compared in full, in constant time: the answer's timing tells nothing.
            return MessageDigest.isEqual(username, user.getBytes(StandardCharsets.UTF_8))
                    & MessageDigest.isEqual(password, pass.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Result authenticate(HttpExchange exchange) {
            Result result;
            try {
                result = super.authenticate(exchange);
            } catch (IllegalArgumentException notBase64) {
                result = new Failure(401);
            }
            if (!(result instanceof Success)) {
                refused.increment();
            }
            return result;
        }
    }

    /** The port listened on (the chosen one when configured as 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private void metrics(HttpExchange exchange) throws IOException {
        if (!allowed(exchange, "/metrics")) {
            return;
        }
        reply(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape().getBytes(StandardCharsets.UTF_8));
    }

    private void health(HttpExchange exchange) throws IOException {
        if (!allowed(exchange, "/health")) {
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        ObjectNode details = JSON.createObjectNode();
        boolean healthy = true;
        for (Map.Entry<String, HealthCheck> c : checks.entrySet()) {
            HealthCheck.Result r;
            try {
                r = c.getValue().check();
            } catch (RuntimeException e) {
                r = HealthCheck.Result.unhealthy("check failed: " + e);
            }
            healthy &= r.healthy();
            details.putObject(c.getKey()).put("status", r.healthy() ? "UP" : "DOWN").put("detail", r.detail());
        }
        body.put("status", healthy ? "UP" : "DOWN");
        body.set("checks", details);
        reply(exchange, healthy ? 200 : 503, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static boolean allowed(HttpExchange exchange, String path) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(path)) {
            reply(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            return false;
        }
        if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            reply(exchange, 405, "text/plain", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
            return false;
        }
        return true;
    }

    private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(body);
            }
        }
    }

    /**
     * Stops listening at once: a scrape in progress is cut (the scraper retries next interval), which is
     * better than holding the process's shutdown for idle keep-alive connections. Idempotent.
     */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
