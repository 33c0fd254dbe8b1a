package io.polybus.sinks.internal.opensearch;

import io.polybus.Config;
import io.polybus.events.ComponentContext;
import io.polybus.events.JsonEvent;
import io.polybus.events.Sink;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The opensearch sink against a real OpenSearch with its security plug-in ({@link SecureOpenSearch}): HTTPS with a
 * private CA, client certificates checked when offered, HTTP basic authentication. Documents are stored with the
 * right keys; a wrong password, a wrong CA, a host the certificate does not name and {@code http://} against the
 * HTTPS port each fail with one line naming the node and the cause, never the password.
 */
class OpenSearchSecurityTest {
    private static final OpenSearchSinkProvider PROVIDER = new OpenSearchSinkProvider();

    private static Path dir;
    private static TestCa ca;
    private static SecureOpenSearch node;

    @BeforeAll
    static void startNode() throws Exception {
        dir = Files.createTempDirectory("polybus-opensearch-tls");
        ca = TestCa.create(dir, "polybus-opensearch-test-ca");
        node = SecureOpenSearch.start(ca);
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static Map<String, Object> sink(String url, String index) {
        Map<String, Object> c = new HashMap<>(Map.of("urls", url, "index", index, "username", SecureOpenSearch.USER,
                "password", SecureOpenSearch.PASSWORD, "replicas", 0, "connect-timeout", "5s", "request-timeout", "30s"));
        if (url.startsWith("https")) {
            c.put("tls.ca-file", ca.caFile().toString());
        }
        return c;
    }

    private static List<Sink.Refusal> write(Map<String, Object> config, String id) throws Exception {
        try (Sink sink = PROVIDER.create(PROVIDER.configDef().parse(config, "sink"),
                new ComponentContext("secure", "h", null, Clock.systemUTC(), null))) {
            byte[] json = ("{\"timestamp\":\"2026-12-06T10:00:00Z\",\"message\":\"over TLS\"}").getBytes(StandardCharsets.UTF_8);
            return sink.write(List.of(new Sink.Record(id, JsonEvent.parse(json), json)));
        }
    }

    private static IOException refused(Map<String, Object> config) {
        IOException e = assertThrows(IOException.class, () -> write(config, "refused"));
        assertFalse(e.getMessage().contains("wrong-Sentinel"), e.getMessage());
        return e;
    }

    private static String index() {
        return "secure-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String https() {
        return "https://localhost:" + node.port();
    }

    @Test
    void httpsWithAPrivateCaAndBasicAuthenticationStoresDocuments() throws Exception {
        String index = index();
        assertEquals(List.of(), write(sink(https(), index), "1:1:a@0"));
        assertEquals(1, node.count(index));
    }

    @Test
    void aClientCertificateIsOfferedAndAccepted() throws Exception {
        TestCa.Issued client = ca.client("shipper");
        String index = index();
        Map<String, Object> config = sink(https(), index);
        config.put("tls.cert-file", client.certFile().toString());
        config.put("tls.key-file", client.encryptedKeyFile("key-pw").toString());
        config.put("tls.key-password", "key-pw");
        assertEquals(List.of(), write(config, "1:1:b@0"));
        assertEquals(1, node.count(index));
    }

    @Test
    void wrongPasswordIsNamedWithoutIt() {
        Map<String, Object> config = sink(https(), index());
        config.put("password", "wrong-Sentinel-2");
        IOException e = refused(config);
        assertTrue(e.getMessage().startsWith("installing index template 'polybus-secure': " + https() + " answered 401: ")
                && e.getMessage().endsWith(" (check username and password, and the user's rights)"), e.getMessage());
    }

    @Test
    void wrongCaIsNamed() {
        Path otherCa = TestCa.create(dir.resolve("other"), "another-ca").caFile();
        Map<String, Object> config = sink(https(), index());
        config.put("tls.ca-file", otherCa.toString());
        assertEquals("OpenSearch at localhost:" + node.port() + ": TLS handshake failed: the server's certificate is not"
                + " signed by a CA in tls.ca-file '" + otherCa + "'", refused(config).getMessage());
    }

    @Test
    void hostNameMismatchIsNamed() {
        IOException e = refused(sink("https://127.0.0.1:" + node.port(), index()));
        assertTrue(e.getMessage().startsWith("OpenSearch at 127.0.0.1:" + node.port() + ": TLS handshake failed: the"
                + " server's certificate does not name the host connected to"), e.getMessage());
    }

    @Test
    void plaintextAgainstTheHttpsPortIsNamed() {
        assertEquals("OpenSearch at localhost:" + node.port() + " expects TLS on this port and the client spoke plaintext;"
                + " turn TLS on with an `https://` address in `urls`",
                refused(sink("http://localhost:" + node.port(), index())).getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theExampleOfDocsSecurityMdStoresDocuments() throws Exception {
        Map<String, Object> section = Config.readYaml(DocSnippets.yaml(Path.of("..", "docs", "security.md"), "opensearch"),
                DocSnippets.environment(Map.of("OPENSEARCH_PASSWORD", SecureOpenSearch.PASSWORD,
                        "POLYBUS_CA_FILE", ca.caFile().toString())));
        Map<String, Object> example = new HashMap<>(((List<Map<String, Object>>) ((Map<String, Object>) section
                .get("sinks")).get("outputs")).get(0));
        example.remove("type");
        example.put("urls", https());
        example.put("username", SecureOpenSearch.USER);
        String index = index();
        example.put("index", index);
        assertEquals(List.of(), write(example, "1:1:c@0"));
        assertEquals(1, node.count(index));
    }

    @Test
    void theKeyTableOfDocsSecurityMdMatchesTheConfigDef() {
        String table = DocSnippets.table(PROVIDER.configDef(), "username", "password");
        assertTrue(DocSnippets.read(Path.of("..", "docs", "security.md")).contains(table),
                "docs/security.md is out of date; paste in:\n" + table);
    }
}
