package io.polybus.nats;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.PolybusException;
import io.polybus.nats.internal.NatsSettings;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS, mutual TLS and user/password logins against nats-servers of this class's own, with certificates made at
 * start-up: one that requires client certificates and a password, one that presents an expired certificate. Each
 * failure is one line naming NATS, the address and the cause. A client certificate the server refuses (missing or
 * expired) is not among them: jnats reports only a reset or a time-out, and the module says it cannot reach NATS.
 */
class NatsSecurityTest {
    private static final String PASSWORD = "shipper-Sentinel-4";

    private static Path dir;
    private static TestCa ca;
    private static TestCa.Issued client;
    private static final List<Process> servers = new ArrayList<>();
    private static int securedPort;
    private static int expiredPort;

    @BeforeAll
    static void startServers() throws Exception {
        dir = Files.createTempDirectory("polybus-nats-tls");
        ca = TestCa.create(dir.resolve("ca"), "polybus-nats-test-ca");
        client = ca.client("shipper");
        securedPort = freePort();
        start("secured", securedPort, ca.server("localhost"), true);
        expiredPort = freePort();
        start("expired", expiredPort, ca.expired("localhost"), false);
    }

    private static void start(String name, int port, TestCa.Issued certificate, boolean verify) throws Exception {
        Path conf = dir.resolve(name + ".conf");
        Path log = dir.resolve(name + ".log");
        Files.writeString(conf, String.join("\n",
                "listen: \"127.0.0.1:" + port + "\"",
                "jetstream { store_dir: \"" + dir.resolve(name + "-store") + "\" }",
                "tls {",
                "  cert_file: \"" + certificate.certFile() + "\"",
                "  key_file: \"" + certificate.keyFile() + "\"",
                "  ca_file: \"" + ca.caFile() + "\"",
                "  verify: " + verify,
                "  timeout: 2",
                "}",
                "authorization { users: [ {user: shipper, password: \"" + PASSWORD + "\"} ] }", ""));
        Process p = new ProcessBuilder("nats-server", "-c", conf.toString(), "-l", log.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".out").toFile()).start();
        servers.add(p);
        await("nats-server " + name).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(() -> {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("nats-server exited: " + Files.readString(dir.resolve(name + ".out")));
                    }
                    return Files.readString(log).contains("Server is ready");
                });
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (Process p : servers) {
            p.destroy();
            p.waitFor();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static Config tls(String host, int port) {
        return Config.of("type", "nats", "servers", "nats://" + host + ":" + port, "tls", "true",
                "tls.ca-file", ca.caFile().toString(), "user", "shipper", "password", PASSWORD, "connect-timeout", "2s",
                "request-timeout", "2s", "stream-prefix", "sec_" + Long.toHexString(System.nanoTime()) + "_");
    }

    private static Config mutual(TestCa.Issued certificate) {
        return tls("localhost", securedPort).with("tls.cert-file", certificate.certFile().toString())
                .with("tls.key-file", certificate.keyFile().toString());
    }

    private static PolybusException refused(Config config) {
        return assertThrows(PolybusException.class, () -> Brokers.open(config, new SimpleMeterRegistry()));
    }

    @Test
    void mutualTlsWithAPasswordCarriesMessagesWithPemOrPkcs12Keys() throws Exception {
        RoundTrip.check(mutual(client));
        RoundTrip.check(tls("localhost", securedPort).with("tls.key-store", client.keyStore("store-pw").toString())
                .with("tls.key-store-password", "store-pw"));
        RoundTrip.check(mutual(client).with("servers", "tls://localhost:" + securedPort).with("tls", "false"));
    }

    /**
     * jnats cannot name a client certificate the server refuses: the server closes the connection during or right
     * after the handshake, and jnats reports only that no server could be reached. Pinned here so that docs/nats.md
     * and docs/security.md show what the user really sees.
     */
    @Test
    void aMissingOrExpiredClientCertificateReadsAsUnreachable() {
        for (Config config : List.of(tls("localhost", securedPort), mutual(ca.expired("shipper")))) {
            PolybusException e = refused(config);
            assertEquals("cannot reach NATS at localhost:" + securedPort + ": Unable to connect to NATS servers:"
                    + " [nats://localhost:" + securedPort + "]", e.getMessage());
        }
    }

    @Test
    void wrongCaIsNamed() {
        Path otherCa = TestCa.create(dir.resolve("other"), "another-ca").caFile();
        PolybusException e = refused(mutual(client).with("tls.ca-file", otherCa.toString()));
        assertEquals("NATS at localhost:" + securedPort + ": TLS handshake failed: the server's certificate is not"
                + " signed by a CA in tls.ca-file '" + otherCa + "'", e.getMessage());
    }

    @Test
    void hostNameMismatchIsNamed() throws Exception {
        PolybusException e = refused(mutual(client).with("servers", "nats://127.0.0.1:" + securedPort));
        assertTrue(e.getMessage().startsWith("NATS at 127.0.0.1:" + securedPort + ": TLS handshake failed: the"
                + " server's certificate does not name the host connected to"), e.getMessage());
        RoundTrip.check(mutual(client).with("servers", "nats://127.0.0.1:" + securedPort)
                .with("tls.verify-hostname", "false"));
    }

    @Test
    void expiredServerCertificateIsNamed() {
        PolybusException e = refused(tls("localhost", expiredPort));
        assertTrue(e.getMessage().startsWith("NATS at localhost:" + expiredPort + ": TLS handshake failed: the server's"
                + " certificate has expired"), e.getMessage());
    }

    @Test
    void wrongPasswordIsAnAuthenticationErrorWithoutThePassword() {
        PolybusException e = refused(mutual(client).with("password", "not-the-Sentinel-6"));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("NATS at localhost:" + securedPort + " refused the credentials"),
                e.getMessage());
        assertFalse(e.getMessage().contains("not-the-Sentinel-6") || e.getMessage().contains(PASSWORD), e.getMessage());
    }

    @Test
    void plaintextAgainstTheTlsServerIsNamed() {
        PolybusException e = refused(Config.of("type", "nats", "servers", "nats://localhost:" + securedPort, "user",
                "shipper", "password", PASSWORD, "connect-timeout", "2s"));
        assertEquals("NATS at localhost:" + securedPort + " expects TLS and the client spoke plaintext; turn TLS on with"
                + " `tls: true` or tls:// servers", e.getMessage());
    }

    @Test
    void tlsAgainstAPlaintextServerIsNamed() {
        PolybusException e = refused(Config.of("type", "nats", "servers", "nats://localhost:4222", "tls", "true",
                "tls.ca-file", ca.caFile().toString(), "connect-timeout", "2s"));
        assertEquals("NATS at localhost:4222: TLS handshake failed: the server does not offer TLS (tls is on)",
                e.getMessage());
    }

    @Test
    void theExampleOfDocsSecurityMdCarriesMessages() throws Exception {
        Config example = Config.fromYaml(DocSnippets.yaml(Path.of("..", "docs", "security.md"), "nats"),
                DocSnippets.environment(Map.of("POLYBUS_CA_FILE", ca.caFile().toString(),
                        "POLYBUS_CERT_FILE", client.certFile().toString(), "POLYBUS_KEY_FILE", client.keyFile().toString(),
                        "NATS_PASSWORD", PASSWORD))).section("broker");
        RoundTrip.check(example.with("servers", "tls://localhost:" + securedPort));
    }

    @Test
    void theKeyTableOfDocsSecurityMdMatchesTheConfigDef() {
        String security = DocSnippets.table(NatsSettings.DEFINITION, "user", "password", "token", "nkey-seed",
                "credentials-file");
        assertTrue(DocSnippets.read(Path.of("..", "docs", "security.md")).contains(security),
                "docs/security.md is out of date; paste in:\n" + security);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
