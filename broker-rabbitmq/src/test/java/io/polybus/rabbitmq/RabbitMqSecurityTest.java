package io.polybus.rabbitmq;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.PolybusException;
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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * TLS and x509 (EXTERNAL) login against a RabbitMQ node of this class's own: a TLS listener next to the plain one,
 * client certificates verified when offered, the rabbitmq_auth_mechanism_ssl plugin logging in the user a
 * certificate's common name names. Certificates are made at start-up. Each failure is one line naming RabbitMQ, the
 * address and the cause.
 */
class RabbitMqSecurityTest {
    private static Path dir;
    private static TestCa ca;
    private static TestCa.Issued shipper;
    private static IsolatedRabbit rabbit;
    private static int tlsPort;

    @BeforeAll
    static void startNode() throws Exception {
        assumeTrue(IsolatedRabbit.available(), "rabbitmq-server is not installed");
        dir = Files.createTempDirectory("polybus-rabbit-tls");
        ca = TestCa.create(dir, "polybus-rabbit-test-ca");
        shipper = ca.client("shipper");
        TestCa.Issued server = ca.server("localhost");
        tlsPort = IsolatedRabbit.freePort();
        rabbit = IsolatedRabbit.start(List.of("rabbitmq_auth_mechanism_ssl"), String.join("\n",
                "listeners.ssl.default = 127.0.0.1:" + tlsPort,
                "ssl_options.cacertfile = " + ca.caFile(),
                "ssl_options.certfile = " + server.certFile(),
                "ssl_options.keyfile = " + server.keyFile(),
                "ssl_options.verify = verify_peer",
                "ssl_options.fail_if_no_peer_cert = false",
                "ssl_cert_login_from = common_name",
                "auth_mechanisms.1 = PLAIN",
                "auth_mechanisms.2 = AMQPLAIN",
                "auth_mechanisms.3 = EXTERNAL", ""));
        rabbit.ctl("add_user", "shipper", "unused-for-x509-" + System.nanoTime());
        rabbit.ctl("set_permissions", "-p", "/", "shipper", ".*", ".*", ".*");
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (rabbit != null) {
            rabbit.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static Config tls(String host) {
        return Config.of("type", "rabbitmq", "host", host, "port", Integer.toString(tlsPort), "tls", "true",
                "tls.ca-file", ca.caFile().toString(), "connection-timeout", "3s");
    }

    private static Config x509(TestCa.Issued certificate) {
        return tls("localhost").with("auth-mechanism", "EXTERNAL").with("tls.cert-file", certificate.certFile().toString())
                .with("tls.key-file", certificate.keyFile().toString());
    }

    private static PolybusException refused(Config config) {
        return assertThrows(PolybusException.class, () -> Brokers.open(config, new SimpleMeterRegistry()));
    }

    @Test
    void tlsWithAPrivateCaAndAPasswordLoginCarriesMessages() throws Exception {
        RoundTrip.check(tls("localhost"));
        RoundTrip.check(Config.of("type", "rabbitmq", "uri", "amqps://guest:guest@localhost:" + tlsPort + "/%2F",
                "tls.ca-file", ca.caFile().toString()));
    }

    @Test
    void x509LoginWithPemOrPkcs12ClientKeysCarriesMessages() throws Exception {
        RoundTrip.check(x509(shipper));
        RoundTrip.check(tls("localhost").with("auth-mechanism", "EXTERNAL")
                .with("tls.key-store", shipper.keyStore("store-pw").toString()).with("tls.key-store-password", "store-pw"));
    }

    @Test
    void x509LoginOfACertificateNamingNoUserIsRefused() {
        PolybusException e = refused(x509(ca.client("stranger")));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("RabbitMQ at localhost:" + tlsPort + " refused the credentials of the client"
                + " certificate's subject 'CN=stranger' (auth-mechanism EXTERNAL)"), e.getMessage());
    }

    @Test
    void x509LoginWithoutAClientCertificateIsRefusedAtOpen() {
        ConfigException e = assertThrows(ConfigException.class, () -> Brokers.open(tls("localhost")
                .with("auth-mechanism", "EXTERNAL"), new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("auth-mechanism: 'EXTERNAL' is not valid; expected a client certificate"),
                e.getMessage());
    }

    @Test
    void wrongCaIsNamed() {
        Path otherCa = TestCa.create(dir.resolve("other"), "another-ca").caFile();
        PolybusException e = refused(tls("localhost").with("tls.ca-file", otherCa.toString()));
        assertEquals("RabbitMQ at localhost:" + tlsPort + ": TLS handshake failed: the server's certificate is not signed"
                + " by a CA in tls.ca-file '" + otherCa + "'", e.getMessage());
    }

    @Test
    void hostNameMismatchIsNamed() throws Exception {
        PolybusException e = refused(tls("127.0.0.1"));
        assertTrue(e.getMessage().startsWith("RabbitMQ at 127.0.0.1:" + tlsPort + ": TLS handshake failed: the server's"
                + " certificate does not name the host connected to"), e.getMessage());
        RoundTrip.check(tls("127.0.0.1").with("tls.verify-hostname", "false"));
    }

    @Test
    void expiredClientCertificateIsNamed() {
        PolybusException e = refused(x509(ca.expired("shipper")));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("RabbitMQ at localhost:" + tlsPort + ": ")
                && e.getMessage().contains("client certificate") && e.getMessage().contains("expired on"), e.getMessage());
    }

    @Test
    void wrongPasswordOverTlsIsAnAuthenticationErrorWithoutThePassword() {
        PolybusException e = refused(tls("localhost").with("password", "not-the-Sentinel-5"));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("RabbitMQ at localhost:" + tlsPort + " refused the credentials of user"
                + " 'guest'"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-Sentinel-5"), e.getMessage());
    }

    @Test
    void plaintextAgainstTheTlsPortIsNamed() {
        PolybusException e = refused(Config.of("type", "rabbitmq", "host", "localhost", "port", Integer.toString(tlsPort),
                "connection-timeout", "3s"));
        assertEquals("RabbitMQ at localhost:" + tlsPort + " expects TLS on this port and the client spoke plaintext;"
                + " turn TLS on with `tls: true` or an amqps:// uri", e.getMessage());
    }

    @Test
    void tlsAgainstThePlainPortIsNamed() {
        PolybusException e = refused(tls("localhost").with("port", Integer.toString(rabbit.port())));
        assertTrue(e.getMessage().startsWith("RabbitMQ at localhost:" + rabbit.port() + ": TLS handshake failed: the"
                + " server"), e.getMessage());
        assertTrue(e.getMessage().contains("TLS on this port"), e.getMessage());
    }

    @Test
    void theExampleOfDocsSecurityMdCarriesMessages() throws Exception {
        Config example = Config.fromYaml(DocSnippets.yaml(Path.of("..", "docs", "security.md"), "rabbitmq"),
                DocSnippets.environment(Map.of("POLYBUS_CA_FILE", ca.caFile().toString(),
                        "POLYBUS_CERT_FILE", shipper.certFile().toString(), "POLYBUS_KEY_FILE",
                        shipper.keyFile().toString()))).section("broker");
        RoundTrip.check(example.with("host", "localhost").with("port", Integer.toString(tlsPort)));
    }

    @Test
    void amqpClientTlsPassThroughKeysPointToTheTlsKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> Brokers.open(tls("localhost")
                .with("rabbitmq.ssl.trust.store", "/etc/x.p12"), new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("rabbitmq.ssl.trust.store: TLS is configured with the tls.* keys"), e.getMessage());
    }
}
