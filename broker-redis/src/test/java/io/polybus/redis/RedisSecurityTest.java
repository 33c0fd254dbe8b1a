package io.polybus.redis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.PolybusException;
import io.polybus.redis.internal.RedisSettings;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.RoundTrip;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS, mutual TLS and ACL users against redis-servers of this class's own with certificates made at start-up: one
 * that takes client certificates when offered, one that requires them, and one whose certificate has expired (Redis
 * has one TLS port per server, and starts in milliseconds). Each failure is one line naming redis, the address and the cause.
 */
class RedisSecurityTest {
    private static final String ACL_PASSWORD = "shipper-Sentinel-7";

    private static Path dir;
    private static TestCa ca;
    private static TestCa.Issued client;
    private static OwnRedisServer optionalCerts;
    private static int optionalCertsTls;
    private static OwnRedisServer requiredCerts;
    private static int requiredCertsTls;
    private static OwnRedisServer expiredCert;
    private static int expiredCertTls;

    @BeforeAll
    static void startServers() throws IOException {
        dir = Files.createTempDirectory("polybus-redis-tls");
        ca = TestCa.create(dir, "polybus-redis-test-ca");
        client = ca.client("shipper");
        TestCa.Issued server = ca.server("localhost");
        optionalCertsTls = freePort();
        optionalCerts = OwnRedisServer.start(null, tlsArgs(server, optionalCertsTls, "optional"));
        requiredCertsTls = freePort();
        requiredCerts = OwnRedisServer.start(null, tlsArgs(server, requiredCertsTls, "yes"));
        expiredCertTls = freePort();
        expiredCert = OwnRedisServer.start(null, tlsArgs(ca.expired("localhost"), expiredCertTls, "optional"));
        for (OwnRedisServer s : new OwnRedisServer[] {optionalCerts, requiredCerts}) {
            s.run("ACL", "SETUSER", "shipper", "on", ">" + ACL_PASSWORD, "~*", "&*", "+@all");
            s.run("ACL", "SETUSER", "default", "off");
        }
    }

    private static String[] tlsArgs(TestCa.Issued server, int tlsPort, String authClients) {
        return new String[] {"--tls-port", Integer.toString(tlsPort), "--tls-cert-file", server.certFile().toString(),
                "--tls-key-file", server.keyFile().toString(), "--tls-ca-cert-file", ca.caFile().toString(),
                "--tls-auth-clients", authClients};
    }

    @AfterAll
    static void stopServers() throws IOException {
        if (optionalCerts != null) {
            optionalCerts.close();
        }
        if (requiredCerts != null) {
            requiredCerts.close();
        }
        if (expiredCert != null) {
            expiredCert.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private static Config tls(String host, int port) {
        return Config.of("type", "redis", "host", host, "port", Integer.toString(port), "tls", "true",
                "tls.ca-file", ca.caFile().toString(), "user", "shipper", "password", ACL_PASSWORD,
                "connect-timeout", "2s", "socket-timeout", "2s", "visibility-timeout", "2s", "poll-timeout", "200ms");
    }

    private static Config mutual(TestCa.Issued certificate) {
        return tls("localhost", requiredCertsTls).with("tls.cert-file", certificate.certFile().toString())
                .with("tls.key-file", certificate.keyFile().toString());
    }

    private static PolybusException refused(Config config) {
        return assertThrows(PolybusException.class, () -> Brokers.open(config, new SimpleMeterRegistry()));
    }

    @Test
    void tlsWithAPrivateCaAndAnAclUserCarriesMessages() throws Exception {
        RoundTrip.check(tls("localhost", optionalCertsTls));
        RoundTrip.check(Config.of("type", "redis", "uri", "rediss://shipper:" + ACL_PASSWORD + "@localhost:" + optionalCertsTls,
                "tls.ca-file", ca.caFile().toString()));
    }

    @Test
    void mutualTlsWithPemOrPkcs12ClientKeysCarriesMessages() throws Exception {
        RoundTrip.check(mutual(client));
        RoundTrip.check(tls("localhost", requiredCertsTls).with("tls.cert-file", client.certFile().toString())
                .with("tls.key-file", client.encryptedKeyFile("key-pw").toString()).with("tls.key-password", "key-pw"));
        RoundTrip.check(tls("localhost", requiredCertsTls).with("tls.key-store", client.keyStore("store-pw").toString())
                .with("tls.key-store-password", "store-pw"));
    }

    @Test
    void wrongCaIsNamed() {
        Path otherCa = TestCa.create(dir.resolve("other"), "another-ca").caFile();
        PolybusException e = refused(tls("localhost", optionalCertsTls).with("tls.ca-file", otherCa.toString()));
        assertEquals("redis at localhost:" + optionalCertsTls + ": TLS handshake failed: the server's certificate is not"
                + " signed by a CA in tls.ca-file '" + otherCa + "'", e.getMessage());
    }

    @Test
    void hostNameMismatchIsNamed() throws Exception {
        PolybusException e = refused(tls("127.0.0.1", optionalCertsTls));
        assertTrue(e.getMessage().startsWith("redis at 127.0.0.1:" + optionalCertsTls + ": TLS handshake failed: the"
                + " server's certificate does not name the host connected to"), e.getMessage());
        RoundTrip.check(tls("127.0.0.1", optionalCertsTls).with("tls.verify-hostname", "false"));
    }

    @Test
    void expiredServerCertificateIsNamed() {
        PolybusException e = refused(tls("localhost", expiredCertTls));
        assertFalse(e.isRetriable());
        assertTrue(e.getMessage().startsWith("redis at localhost:" + expiredCertTls + ": TLS handshake failed: the server's"
                + " certificate has expired"), e.getMessage());
    }

    @Test
    void missingClientCertificateIsNamed() {
        // The server's alert, or (when the closing connection's reset overtakes it) the closed connection.
        PolybusException e = refused(tls("localhost", requiredCertsTls));
        assertFalse(e.isRetriable());
        assertTrue(e.getMessage().startsWith("redis at localhost:" + requiredCertsTls + ": ")
                && e.getMessage().contains("require") && e.getMessage().contains("client certificate")
                && e.getMessage().contains("tls.cert-file"), e.getMessage());
    }

    @Test
    void expiredClientCertificateIsNamed() {
        PolybusException e = refused(mutual(ca.expired("shipper")));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("redis at localhost:" + requiredCertsTls + ": ")
                && e.getMessage().contains("client certificate") && e.getMessage().contains("expired on"), e.getMessage());
    }

    @Test
    void wrongAclPasswordOverTlsIsAnAuthenticationErrorWithoutThePassword() {
        PolybusException e = refused(mutual(client).with("password", "not-the-Sentinel-3"));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("redis at localhost:" + requiredCertsTls + " refused the credentials of user"
                + " 'shipper'"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-Sentinel-3") || e.getMessage().contains(ACL_PASSWORD), e.getMessage());
    }

    @Test
    void plaintextAgainstTheTlsPortIsNamed() {
        PolybusException e = refused(Config.of("type", "redis", "host", "localhost", "port",
                Integer.toString(optionalCertsTls), "user", "shipper", "password", ACL_PASSWORD, "connect-timeout", "2s"));
        assertEquals("redis at localhost:" + optionalCertsTls + " expects TLS on this port and the client spoke"
                + " plaintext; turn TLS on with `tls: true` or a rediss:// uri", e.getMessage());
    }

    @Test
    void tlsAgainstThePlainPortIsNamed() {
        PolybusException e = refused(tls("localhost", optionalCerts.port));
        assertEquals("redis at localhost:" + optionalCerts.port + ": TLS handshake failed: the server did not answer it"
                + " within 2000 ms; does it speak TLS on this port?", e.getMessage());
    }

    @Test
    void theExampleOfDocsSecurityMdCarriesMessages() throws Exception {
        Config example = Config.fromYaml(DocSnippets.yaml(Path.of("..", "docs", "security.md"), "redis"),
                DocSnippets.environment(Map.of("POLYBUS_CA_FILE", ca.caFile().toString(),
                        "POLYBUS_CERT_FILE", client.certFile().toString(), "POLYBUS_KEY_FILE", client.keyFile().toString(),
                        "REDIS_PASSWORD", ACL_PASSWORD))).section("broker");
        RoundTrip.check(example.with("host", "localhost").with("port", Integer.toString(requiredCertsTls)));
    }

    @Test
    void theKeyTablesOfTheDocsMatchTheConfigDef() {
        String security = DocSnippets.table(RedisSettings.DEFINITION, "uri", "user", "password");
        assertTrue(DocSnippets.read(Path.of("..", "docs", "security.md")).contains(security),
                "docs/security.md is out of date; paste in:\n" + security);
        String all = RedisSettings.DEFINITION.toMarkdown();
        assertTrue(DocSnippets.read(Path.of("..", "docs", "redis.md")).contains(all),
                "docs/redis.md is out of date; paste in:\n" + all);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
