package io.polybus.cli.internal;

import io.polybus.events.HealthCheck;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} (Prometheus text format, from a {@link PrometheusMeterRegistry}) and
 * {@code GET /health} (JSON; 200 when every {@link HealthCheck} is healthy, 503 otherwise). Listens on
 * 127.0.0.1 unless configured otherwise. Thread-safe; close it to stop listening.
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
            server = HttpServer.create(address, 0);
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
        server.createContext("/metrics", metrics::metrics);
        server.createContext("/health", metrics::health);
        server.setExecutor(executor);
        server.start();
        log.info("metrics on http://{}:{}/metrics, health on /health", config.bind(), metrics.port());
        return metrics;
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
