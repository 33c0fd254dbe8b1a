package io.polybus.artemis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.PolybusException;
import io.polybus.artemis.internal.ArtemisSettings;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.RoundTrip;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS, mutual TLS and passwords against an Artemis of this class's own with certificates made at start-up: besides
 * its plaintext acceptor, one TLS acceptor that asks for no client certificate, one that requires one, and one whose
 * certificate has expired. Each failure is one line naming Artemis, the address and the cause.
 */
class ArtemisSecurityTest {
    private static final String STORE_PASSWORD = "artemis-store-Sentinel-5";

    private static Path dir;
    private static TestCa ca;
    private static TestCa.Issued client;
    private static ArtemisServer server;
    private static int tlsPort;
    private static int mutualPort;
    private static int expiredPort;

    @BeforeAll
    static void startServer() throws Exception {
        dir = Files.createTempDirectory("polybus-artemis-tls");
        ca = TestCa.create(dir, "polybus-artemis-test-ca");
        client = ca.client("shipper");
        Path keyStore = ca.server("localhost").keyStore(STORE_PASSWORD);
        Path trustStore = ca.trustStore(STORE_PASSWORD);
        tlsPort = ArtemisServer.freePort();
        mutualPort = ArtemisServer.freePort();
        expiredPort = ArtemisServer.freePort();
        server = ArtemisServer.start(List.of(
                acceptor(tlsPort, keyStore),
                acceptor(mutualPort, keyStore) + ";needClientAuth=true;trustStoreType=PKCS12;trustStorePath=" + trustStore
                        + ";trustStorePassword=" + STORE_PASSWORD,
                acceptor(expiredPort, ca.expired("localhost").keyStore(STORE_PASSWORD))));
    }

    private static String acceptor(int port, Path keyStore) {
        return "tcp://127.0.0.1:" + port + "?protocols=CORE;sslEnabled=true;keyStoreType=PKCS12;keyStorePath=" + keyStore
                + ";keyStorePassword=" + STORE_PASSWORD;
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private static Config tls(String host, int port) {
        return server.config("host", host, "port", Integer.toString(port), "tls", "true",
                "tls.ca-file", ca.caFile().toString(), "connection-timeout", "2s");
    }

    private static Config mutual(TestCa.Issued certificate) {
        return tls("localhost", mutualPort).with("tls.cert-file", certificate.certFile().toString())
                .with("tls.key-file", certificate.keyFile().toString());
    }

    /** Opening fails; a call time-out of 2 s keeps the wait for a server that never answers short. */
    private static PolybusException refused(Config config) {
        return assertThrows(PolybusException.class,
                () -> Brokers.open(config.with("call-timeout", "2s"), new SimpleMeterRegistry()).close());
    }

    @Test
    void tlsWithAPrivateCaInPemOrPkcs12CarriesMessages() throws Exception {
        RoundTrip.check(tls("localhost", tlsPort));
        RoundTrip.check(server.config("host", "localhost", "port", Integer.toString(tlsPort), "tls", "true",
                "tls.trust-store", ca.trustStore("trust-pw").toString(), "tls.trust-store-password", "trust-pw"));
    }

    @Test
    void mutualTlsWithPemOrPkcs12ClientKeysCarriesMessages() throws Exception {
        RoundTrip.check(mutual(client));
        RoundTrip.check(tls("localhost", mutualPort).with("tls.cert-file", client.certFile().toString())
                .with("tls.key-file", client.encryptedKeyFile("key-pw").toString()).with("tls.key-password", "key-pw"));
        RoundTrip.check(tls("localhost", mutualPort).with("tls.key-store", client.keyStore("store-pw", "key-pw").toString())
                .with("tls.key-store-password", "store-pw").with("tls.key-password", "key-pw"));
    }

    @Test
    void wrongCaIsNamed() {
        Path otherCa = TestCa.create(dir.resolve("other"), "another-ca").caFile();
        PolybusException e = refused(tls("localhost", tlsPort).with("tls.ca-file", otherCa.toString()));
        assertEquals("Artemis at localhost:" + tlsPort + ": TLS handshake failed: the server's certificate is not"
                + " signed by a CA in tls.ca-file '" + otherCa + "'", e.getMessage());
    }

    @Test
    void hostNameMismatchIsNamed() throws Exception {
        PolybusException e = refused(tls("127.0.0.1", tlsPort));
        assertTrue(e.getMessage().startsWith("Artemis at 127.0.0.1:" + tlsPort + ": TLS handshake failed: the"
                + " server's certificate does not name the host connected to"), e.getMessage());
        RoundTrip.check(tls("127.0.0.1", tlsPort).with("tls.verify-hostname", "false"));
    }

    @Test
    void expiredServerCertificateIsNamed() {
        PolybusException e = refused(tls("localhost", expiredPort));
        assertFalse(e.isRetriable());
        assertTrue(e.getMessage().startsWith("Artemis at localhost:" + expiredPort + ": TLS handshake failed: the server's"
                + " certificate has expired"), e.getMessage());
    }

    @Test
    void missingClientCertificateIsNamed() {
        PolybusException e = refused(tls("localhost", mutualPort));
        assertFalse(e.isRetriable());
        assertTrue(e.getMessage().startsWith("Artemis at localhost:" + mutualPort + ": ")
                && e.getMessage().contains("require") && e.getMessage().contains("client certificate")
                && e.getMessage().contains("tls.cert-file"), e.getMessage());
    }

    @Test
    void expiredClientCertificateIsNamed() {
        PolybusException e = refused(mutual(ca.expired("shipper")));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("Artemis at localhost:" + mutualPort + ": ")
                && e.getMessage().contains("client certificate") && e.getMessage().contains("expired on"), e.getMessage());
    }

    @Test
    void wrongPasswordOverTlsIsAnAuthenticationErrorWithoutThePassword() {
        PolybusException e = refused(mutual(client).with("password", "not-the-Sentinel-3"));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("Artemis at localhost:" + mutualPort + " refused the credentials of user '"
                + ArtemisServer.USER + "'"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-Sentinel-3") || e.getMessage().contains(ArtemisServer.PASSWORD),
                e.getMessage());
    }

    @Test
    void wrongKeyPasswordIsNamedWithoutIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> Brokers.open(tls("localhost", mutualPort)
                .with("tls.cert-file", client.certFile().toString())
                .with("tls.key-file", client.encryptedKeyFile("key-pw").toString())
                .with("tls.key-password", "not-the-key-Sentinel"), new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("tls.key-password: '[hidden]' is not valid; does not decrypt tls.key-file"),
                e.getMessage());
        assertFalse(e.getMessage().contains("not-the-key-Sentinel"), e.getMessage());
    }

    @Test
    void plaintextAgainstTheTlsPortIsNamed() {
        PolybusException e = refused(server.config("host", "localhost", "port", Integer.toString(tlsPort),
                "connection-timeout", "2s"));
        assertEquals("Artemis at localhost:" + tlsPort + " expects TLS on this port and the client spoke plaintext;"
                + " turn TLS on with `tls: true`", e.getMessage());
    }

    @Test
    void tlsAgainstThePlainPortIsNamed() {
        PolybusException e = refused(tls("localhost", server.port()));
        assertEquals("Artemis at localhost:" + server.port() + ": TLS handshake failed: the server did not answer it"
                + " within 2000 ms; does it speak TLS on this port?", e.getMessage());
    }

    @Test
    void theClientsOwnStoreKeysAreRefusedInFavourOfTheTlsKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> Brokers.open(tls("localhost", tlsPort)
                .with("artemis.trustStorePath", "/etc/ssl/trust.p12").with("artemis.keyStorePassword", "Sentinel-9"),
                new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("artemis.trustStorePath") && e.getMessage().contains("tls.* keys"),
                e.getMessage());
        assertFalse(e.getMessage().contains("Sentinel-9"), e.getMessage());
    }

    @Test
    void theExampleOfDocsSecurityMdCarriesMessages() throws Exception {
        Config example = Config.fromYaml(DocSnippets.yaml(Path.of("..", "docs", "security.md"), "artemis"),
                DocSnippets.environment(Map.of("POLYBUS_CA_FILE", ca.caFile().toString(),
                        "POLYBUS_CERT_FILE", client.certFile().toString(), "POLYBUS_KEY_FILE", client.keyFile().toString(),
                        "ARTEMIS_PASSWORD", ArtemisServer.PASSWORD))).section("broker");
        RoundTrip.check(example.with("host", "localhost").with("port", Integer.toString(mutualPort))
                .with("username", ArtemisServer.USER));
    }

    @Test
    void theKeyTableOfDocsSecurityMdMatchesTheConfigDef() {
        String security = DocSnippets.table(ArtemisSettings.CONFIG, "username", "password");
        assertTrue(DocSnippets.read(Path.of("..", "docs", "security.md")).contains(security),
                "docs/security.md is out of date; paste in:\n" + security);
    }
}
