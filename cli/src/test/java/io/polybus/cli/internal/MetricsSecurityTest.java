package io.polybus.cli.internal;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.events.HealthCheck;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} and {@code /health} with HTTP basic authentication, over HTTPS, and with client certificates
 * required, configured as a user writes the {@code metrics:} section; certificates are made at test time.
 */
class MetricsSecurityTest {
    private static final String PASSWORD = "metrics-Sentinel-9";
    private static final String STORE_PASSWORD = "store-pw";

    @TempDir
    static Path certs;
    private static TestCa ca;
    private static TestCa.Issued server;
    private static TestCa.Issued scraper;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private MetricsServer metrics;

    @BeforeAll
    static void makeCertificates() {
        ca = TestCa.create(certs, "polybus-metrics-test-ca");
        server = ca.server("localhost", "127.0.0.1");
        scraper = ca.client("prometheus");
    }

    @AfterEach
    void stop() {
        if (metrics != null) {
            metrics.close();
        }
    }

    private static MetricsConfig config(String... keyValues) {
        Config given = Config.of("bind", "127.0.0.1", "port", "0");
        for (int i = 0; i < keyValues.length; i += 2) {
            given = given.with(keyValues[i], keyValues[i + 1]);
        }
        return MetricsConfig.of(MetricsConfig.KEYS.parse(given));
    }

    private void start(MetricsConfig config) {
        metrics = MetricsServer.start(config, registry, Map.of("disk", () -> HealthCheck.Result.healthy("plenty")));
    }

    private static String[] tls(String... more) {
        List<String> keys = new java.util.ArrayList<>(List.of("tls", "true", "tls.cert-file", server.certFile().toString(),
                "tls.key-file", server.keyFile().toString()));
        keys.addAll(List.of(more));
        return keys.toArray(String[]::new);
    }

    private static SSLContext client(TestCa.Issued certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ca.trustStore(STORE_PASSWORD))) {
            trust.load(in, STORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = null;
        if (certificate != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(certificate.keyStore(STORE_PASSWORD))) {
                keys.load(in, STORE_PASSWORD.toCharArray());
            }
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, STORE_PASSWORD.toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    private HttpResponse<String> get(HttpClient http, String scheme, String path, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(scheme + "://localhost:" + metrics.port() + path));
        if (credentials != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private double unauthorized() {
        return registry.get("polybus.metrics.requests.unauthorized").counter().count();
    }

    @Test
    void basicAuthenticationGuardsBothEndpointsAndCountsRefusals() throws Exception {
        start(config("username", "prometheus", "password", PASSWORD));
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/metrics", "/health")) {
            HttpResponse<String> anonymous = get(http, "http", path, null);
            assertEquals(401, anonymous.statusCode(), path);
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm=\"polybus\""));
            assertEquals(401, get(http, "http", path, "prometheus:not-the-Sentinel").statusCode(), path);
            assertEquals(401, get(http, "http", path, "grafana:" + PASSWORD).statusCode(), path);
            assertEquals(200, get(http, "http", path, "prometheus:" + PASSWORD).statusCode(), path);
        }
        assertEquals(6.0, unauthorized());
        String scrape = get(http, "http", "/metrics", "prometheus:" + PASSWORD).body();
        assertTrue(scrape.contains("polybus_metrics_requests_unauthorized_total 6.0"), scrape);
        assertFalse(scrape.contains(PASSWORD), scrape);
    }

    @Test
    void httpsServesWithTheConfiguredCertificate() throws Exception {
        start(config(tls()));
        HttpClient https = HttpClient.newBuilder().sslContext(client(null)).build();
        HttpResponse<String> health = get(https, "https", "/health", null);
        assertEquals(200, health.statusCode(), health.body());
        assertEquals(200, get(https, "https", "/metrics", null).statusCode());
        assertThrows(IOException.class, () -> get(HttpClient.newHttpClient(), "http", "/health", null),
                "plain HTTP on the HTTPS port gets no answer");
    }

    @Test
    void requiredClientCertificatesRefuseScrapersWithoutOne() throws Exception {
        start(config(tls("tls.client-auth", "required", "tls.ca-file", ca.caFile().toString(), "username", "prometheus",
                "password", PASSWORD)));
        HttpClient withCertificate = HttpClient.newBuilder().sslContext(client(scraper)).build();
        assertEquals(200, get(withCertificate, "https", "/health", "prometheus:" + PASSWORD).statusCode());
        HttpClient without = HttpClient.newBuilder().sslContext(client(null)).build();
        assertThrows(IOException.class, () -> get(without, "https", "/health", "prometheus:" + PASSWORD));
    }

    @Test
    void theExampleOfDocsSecurityMdServesHttpsWithBasicAuthentication() throws Exception {
        String yaml = DocSnippets.yaml(Path.of("..", "docs", "security.md"), "metrics");
        Config section = Config.fromYaml(yaml, DocSnippets.environment(Map.of("METRICS_PASSWORD", PASSWORD,
                "POLYBUS_CERT_FILE", server.certFile().toString(), "POLYBUS_KEY_FILE", server.keyFile().toString())))
                .section("metrics").with("bind", "127.0.0.1").with("port", "0");
        start(MetricsConfig.of(MetricsConfig.KEYS.parse(section)));
        HttpClient https = HttpClient.newBuilder().sslContext(client(null)).build();
        assertEquals(401, get(https, "https", "/health", null).statusCode());
        assertEquals(200, get(https, "https", "/health", "prometheus:" + PASSWORD).statusCode());
    }

    @Test
    void mistakesAreRefusedNamingTheKeyAndHidingThePassword() {
        ConfigException noPassword = assertThrows(ConfigException.class, () -> config("username", "prometheus"));
        assertTrue(noPassword.getMessage().contains("password: missing: username and password go together"),
                noPassword.getMessage());
        ConfigException noKey = assertThrows(ConfigException.class, () -> config("tls", "true", "password", PASSWORD,
                "username", "prometheus"));
        assertTrue(noKey.getMessage().contains("tls.cert-file: missing: a TLS server needs its certificate and key"),
                noKey.getMessage());
        assertFalse(noKey.getMessage().contains(PASSWORD), noKey.getMessage());
        ConfigException tlsOff = assertThrows(ConfigException.class, () -> config("tls.ca-file", ca.caFile().toString()));
        assertTrue(tlsOff.getMessage().contains("tls.ca-file: is set, but TLS is off"), tlsOff.getMessage());
    }
}
