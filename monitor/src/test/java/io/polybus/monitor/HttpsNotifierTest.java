package io.polybus.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.polybus.events.ComponentContext;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP notifiers ({@code webhook}, {@code alertmanager}) over TLS: an {@code https} URL is trusted with the
 * {@code tls.*} keys every Polybus client has, a server the configured CAs did not sign is refused, and
 * Alertmanager's credentials arrive as the {@code Authorization} header.
 */
class HttpsNotifierTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private TestCa ca;
    private HttpsServer server;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        ca = TestCa.create(dir, "notifier-ca");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ca.server("localhost", "127.0.0.1").keyStore("changeit"))) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                received.add(JSON.readTree(in.readAllBytes()));
            }
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private Notifier notifier(String type, Map<String, Object> tls) {
        Map<String, Object> keys = new HashMap<>(tls);
        keys.put("url", "https://localhost:" + server.getAddress().getPort() + "/hook");
        keys.put("retries", 0);
        NotifierProvider provider = MonitorYaml.NOTIFIERS.get(type);
        return provider.create(provider.configDef().parse(keys, "notifier"),
                new ComponentContext(type, null, null, Clock.systemUTC(), null));
    }

    private static Alert alert() {
        Instant now = Instant.now();
        return new Alert("errors//1", "errors", "match", Alert.Status.FIRING, "warning", null, null, 1, null,
                Duration.ofMinutes(5), now, now, "errors: matching event", List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"webhook", "alertmanager"})
    void postsOverTlsToAServerTheConfiguredCaSigned(String type) throws Exception {
        try (Notifier notifier = notifier(type, Map.of("tls.ca-file", ca.caFile().toString()))) {
            notifier.send(alert());
        }
        assertEquals(1, received.size());
        String body = received.get(0).toString();
        assertTrue(body.contains("errors: matching event"), body);
    }

    @Test
    void alertmanagerAuthenticatesWithBasicAuthOrABearerToken() throws Exception {
        String ca = this.ca.caFile().toString();
        try (Notifier basic = notifier("alertmanager", Map.of("tls.ca-file", ca, "username", "monitor", "password", "pa:ss"));
             Notifier bearer = notifier("alertmanager", Map.of("tls.ca-file", ca, "bearer-token", "t0ken"))) {
            basic.send(alert());
            bearer.send(alert());
        }
        String basic = "Basic " + Base64.getEncoder().encodeToString("monitor:pa:ss".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(basic, "Bearer t0ken"), authorizations);
    }

    @ParameterizedTest
    @ValueSource(strings = {"webhook", "alertmanager"})
    void refusesAServerTheTrustedCasDidNotSign(String type) throws Exception {
        try (Notifier notifier = notifier(type, Map.of())) {
            IOException e = assertThrows(IOException.class, () -> notifier.send(alert()));
            assertTrue(e.getMessage().contains("SSLHandshakeException"), e.getMessage());
        }
        assertEquals(List.of(), received);
    }
}
