package io.polybus.mqtt;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.PolybusException;
import io.polybus.mqtt.internal.MqttSettings;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.RoundTrip;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
 * TLS, mutual TLS and passwords against Mosquittos of this class's own, with certificates made at start-up: one
 * that requires client certificates and a password, one that presents an expired certificate. Each failure is one
 * line naming the mqtt server, the address and the cause.
 */
class MqttSecurityTest {
    private static final String PASSWORD = "shipper-Sentinel-5";

    private static Path dir;
    private static TestCa ca;
    private static TestCa.Issued client;
    private static OwnMosquitto secured;
    private static OwnMosquitto expired;

    @BeforeAll
    static void startServers() throws Exception {
        dir = Files.createTempDirectory("polybus-mqtt-tls");
        ca = TestCa.create(dir.resolve("ca"), "polybus-mqtt-test-ca");
        client = ca.client("shipper");
        Path passwords = dir.resolve("passwd");
        Process p = new ProcessBuilder("mosquitto_passwd", "-c", "-b", passwords.toString(), "shipper", PASSWORD)
                .redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        TestCa.Issued server = ca.server("localhost");
        secured = OwnMosquitto.start("cafile " + ca.caFile(), "certfile " + server.certFile(),
                "keyfile " + server.keyFile(), "require_certificate true", "password_file " + passwords);
        TestCa.Issued old = ca.expired("localhost");
        expired = OwnMosquitto.start("cafile " + ca.caFile(), "certfile " + old.certFile(), "keyfile " + old.keyFile());
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (OwnMosquitto m : new OwnMosquitto[] {secured, expired}) {
            if (m != null) {
                m.close();
            }
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static Config tls(String host, int port) {
        return Config.of("type", "mqtt", "host", host, "port", Integer.toString(port), "tls", "true",
                "tls.ca-file", ca.caFile().toString(), "username", "shipper", "password", PASSWORD,
                "connect-timeout", "3s", "client-id", "polybus-sec-" + Long.toHexString(System.nanoTime()));
    }

    private static Config mutual(TestCa.Issued certificate) {
        return tls("localhost", secured.port).with("tls.cert-file", certificate.certFile().toString())
                .with("tls.key-file", certificate.keyFile().toString());
    }

    private static PolybusException refused(Config config) {
        return assertThrows(PolybusException.class, () -> Brokers.open(config, new SimpleMeterRegistry()));
    }

    @Test
    void mutualTlsWithAPasswordCarriesMessagesWithPemOrPkcs12Keys() throws Exception {
        RoundTrip.check(mutual(client));
        RoundTrip.check(tls("localhost", secured.port).with("tls.key-store", client.keyStore("store-pw").toString())
                .with("tls.key-store-password", "store-pw"));
    }

    @Test
    void wrongCaIsNamed() {
        Path otherCa = TestCa.create(dir.resolve("other"), "another-ca").caFile();
        PolybusException e = refused(mutual(client).with("tls.ca-file", otherCa.toString()));
        assertEquals("mqtt server at localhost:" + secured.port + ": TLS handshake failed: the server's certificate is"
                + " not signed by a CA in tls.ca-file '" + otherCa + "'", e.getMessage());
    }

    @Test
    void hostNameMismatchIsNamed() throws Exception {
        PolybusException e = refused(mutual(client).with("host", "127.0.0.1"));
        assertTrue(e.getMessage().startsWith("mqtt server at 127.0.0.1:" + secured.port + ": TLS handshake failed: the"
                + " server's certificate does not name the host connected to"), e.getMessage());
        RoundTrip.check(mutual(client).with("host", "127.0.0.1").with("tls.verify-hostname", "false"));
    }

    @Test
    void expiredServerCertificateIsNamed() {
        PolybusException e = refused(tls("localhost", expired.port));
        assertTrue(e.getMessage().startsWith("mqtt server at localhost:" + expired.port + ": TLS handshake failed: the"
                + " server's certificate has expired"), e.getMessage());
    }

    @Test
    void missingClientCertificateIsNamed() {
        PolybusException e = refused(tls("localhost", secured.port));
        assertFalse(e.isRetriable());
        assertTrue(e.getMessage().startsWith("mqtt server at localhost:" + secured.port + ": ")
                && e.getMessage().contains("client certificate") && e.getMessage().contains("tls.cert-file"),
                e.getMessage());
    }

    @Test
    void expiredClientCertificateIsNamed() {
        PolybusException e = refused(mutual(ca.expired("shipper")));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("mqtt server at localhost:" + secured.port + ": ")
                && e.getMessage().contains("client certificate") && e.getMessage().contains("expired on"), e.getMessage());
    }

    @Test
    void wrongPasswordIsAnAuthenticationErrorWithoutThePassword() {
        PolybusException e = refused(mutual(client).with("password", "not-the-Sentinel-8"));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("mqtt server at localhost:" + secured.port + " refused the credentials"),
                e.getMessage());
        assertFalse(e.getMessage().contains("not-the-Sentinel-8") || e.getMessage().contains(PASSWORD), e.getMessage());
    }

    @Test
    void plaintextAgainstTheTlsPortIsNamed() {
        PolybusException e = refused(Config.of("type", "mqtt", "host", "localhost", "port", Integer.toString(secured.port),
                "username", "shipper", "password", PASSWORD, "connect-timeout", "3s"));
        assertEquals("mqtt server at localhost:" + secured.port + " expects TLS on this port and the client spoke"
                + " plaintext; turn TLS on with `tls: true`", e.getMessage());
    }

    @Test
    void tlsAgainstAPlaintextPortIsNamed() {
        PolybusException e = refused(tls("localhost", 1883));
        assertTrue(e.getMessage().startsWith("mqtt server at localhost:1883: TLS handshake failed: the server"),
                e.getMessage());
        assertTrue(e.getMessage().contains("TLS on this port"), e.getMessage());
    }

    @Test
    void theExampleAndKeyTableOfDocsSecurityMdHold() throws Exception {
        Path security = Path.of("..", "docs", "security.md");
        Config example = Config.fromYaml(DocSnippets.yaml(security, "mqtt"),
                DocSnippets.environment(Map.of("POLYBUS_CA_FILE", ca.caFile().toString(),
                        "POLYBUS_CERT_FILE", client.certFile().toString(), "POLYBUS_KEY_FILE", client.keyFile().toString(),
                        "MQTT_PASSWORD", PASSWORD))).section("broker");
        RoundTrip.check(example.with("host", "localhost").with("port", Integer.toString(secured.port)));
        String table = DocSnippets.table(MqttSettings.DEFINITION, "username", "password");
        assertTrue(DocSnippets.read(security).contains(table), "docs/security.md is out of date; paste in:\n" + table);
    }
}
