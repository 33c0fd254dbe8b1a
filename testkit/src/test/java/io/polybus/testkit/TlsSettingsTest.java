package io.polybus.testkit;

import io.polybus.AuthenticationException;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.PolybusException;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.TlsFailure;
import io.polybus.spi.TlsSettings;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileWriter;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared TLS piece on its own: keys, files and passwords, the contexts it builds, and the one-line errors it
 * gives, against TLS servers in this JVM made from a {@link TestCa}. Broker modules test the same against their
 * real servers.
 */
class TlsSettingsTest {
    private static final ConfigDef DEF = ConfigDef.builder("demo").include(TlsSettings::define).build();
    private static final String SECRET = "s3cret-Sentinel-42";

    @TempDir
    static Path dir;
    static TestCa ca;
    static TestCa otherCa;
    static TestCa.Issued client;
    static TlsServer optionalClientAuth;
    static TlsServer requiredClientAuth;
    static TlsServer expiredServer;

    @BeforeAll
    static void startServers() throws Exception {
        ca = TestCa.create(dir, "polybus-test-ca");
        otherCa = TestCa.create(dir.resolve("other"), "some-other-ca");
        client = ca.client("shipper");
        optionalClientAuth = new TlsServer(ca, ca.server("localhost"), false);
        requiredClientAuth = new TlsServer(ca, ca.server("localhost"), true);
        expiredServer = new TlsServer(ca, ca.expired("localhost"), false);
    }

    @AfterAll
    static void stopServers() throws IOException {
        optionalClientAuth.close();
        requiredClientAuth.close();
        expiredServer.close();
    }

    private static TlsSettings tls(String... keysAndValues) {
        return TlsSettings.from(DEF.parse(Config.of(keysAndValues).with("type", "demo")));
    }

    @Test
    void pemCaAndPemClientKeyConnectToAServerThatRequiresAClientCertificate() throws Exception {
        TlsSettings tls = tls("tls", "true", "tls.ca-file", ca.caFile().toString(),
                "tls.cert-file", client.certFile().toString(), "tls.key-file", client.keyFile().toString());
        assertEquals("CN=shipper", requiredClientAuth.connect(tls, "localhost"));
    }

    @Test
    void encryptedPkcs8KeyAndPkcs12StoresWorkToo() throws Exception {
        TlsSettings encrypted = tls("tls", "true", "tls.ca-file", ca.caFile().toString(),
                "tls.cert-file", client.certFile().toString(),
                "tls.key-file", client.encryptedKeyFile(SECRET).toString(), "tls.key-password", SECRET);
        assertEquals("CN=shipper", requiredClientAuth.connect(encrypted, "localhost"));

        TlsSettings stores = tls("tls", "true", "tls.trust-store", ca.trustStore(SECRET).toString(),
                "tls.trust-store-password", SECRET, "tls.key-store", client.keyStore(SECRET, "key-pw").toString(),
                "tls.key-store-password", SECRET, "tls.key-password", "key-pw");
        assertEquals("CN=shipper", requiredClientAuth.connect(stores, "localhost"));
        assertFalse(stores.toString().contains(SECRET) || stores.toString().contains("key-pw"), stores.toString());
    }

    @Test
    void eachBrokerGetsAContextOfItsOwnAndTheJvmDefaultStaysAsItWas() throws Exception {
        SSLContext before = SSLContext.getDefault();
        TlsSettings tls = tls("tls", "true", "tls.ca-file", ca.caFile().toString());
        assertEquals("", optionalClientAuth.connect(tls, "localhost"));
        assertTrue(before == SSLContext.getDefault(), "the JVM's default context was replaced");
        assertTrue(System.getProperty("javax.net.ssl.trustStore") == null, "a JVM-wide trust store was set");
        PolybusException jvmTrust = failure(tls("tls", "true"), optionalClientAuth, "localhost");
        assertTrue(jvmTrust.getMessage().contains("not signed by a CA in the JVM's default trust store"), jvmTrust.getMessage());
    }

    @Test
    void wrongCaIsNamed() {
        TlsSettings tls = tls("tls", "true", "tls.ca-file", otherCa.caFile().toString());
        PolybusException e = failure(tls, optionalClientAuth, "localhost");
        assertEquals("demo at localhost:" + optionalClientAuth.port() + ": TLS handshake failed: the server's certificate"
                + " is not signed by a CA in tls.ca-file '" + otherCa.caFile() + "'", e.getMessage());
        assertFalse(e.isRetriable());
    }

    @Test
    void hostNameMismatchIsNamedAndCanBeTurnedOff() throws Exception {
        TlsSettings tls = tls("tls", "true", "tls.ca-file", ca.caFile().toString());
        PolybusException e = failure(tls, optionalClientAuth, "127.0.0.1");
        assertTrue(e.getMessage().contains("does not name the host connected to") && e.getMessage().contains("127.0.0.1")
                && e.getMessage().contains("tls.verify-hostname: false"), e.getMessage());

        TlsSettings lenient = tls("tls", "true", "tls.ca-file", ca.caFile().toString(), "tls.verify-hostname", "false");
        assertEquals("", optionalClientAuth.connect(lenient, "127.0.0.1"));
    }

    @Test
    void expiredServerCertificateIsNamed() {
        PolybusException e = failure(tls("tls", "true", "tls.ca-file", ca.caFile().toString()), expiredServer, "localhost");
        assertTrue(e.getMessage().contains("the server's certificate has expired"), e.getMessage());
    }

    @Test
    void missingAndExpiredClientCertificatesAreAuthenticationErrors() {
        PolybusException missing = failure(tls("tls", "true", "tls.ca-file", ca.caFile().toString()),
                requiredClientAuth, "localhost");
        assertInstanceOf(AuthenticationException.class, missing);
        assertTrue(missing.getMessage().contains("requires a client certificate and none is configured"), missing.getMessage());

        TestCa.Issued expired = ca.expired("shipper");
        PolybusException old = failure(tls("tls", "true", "tls.ca-file", ca.caFile().toString(),
                "tls.cert-file", expired.certFile().toString(), "tls.key-file", expired.keyFile().toString()),
                requiredClientAuth, "localhost");
        assertInstanceOf(AuthenticationException.class, old);
        assertTrue(old.getMessage().contains("refused the client certificate") && old.getMessage().contains("expired on"),
                old.getMessage());

        TestCa.Issued stranger = otherCa.client("shipper");
        PolybusException foreign = failure(tls("tls", "true", "tls.ca-file", ca.caFile().toString(),
                "tls.cert-file", stranger.certFile().toString(), "tls.key-file", stranger.keyFile().toString()),
                requiredClientAuth, "localhost");
        assertTrue(foreign.getMessage().contains("refused the client certificate")
                && foreign.getMessage().contains("signed by a CA the server trusts"), foreign.getMessage());
    }

    @Test
    void plaintextAgainstATlsPortAndTlsAgainstAPlainPortAreNamed() throws Exception {
        TlsSettings off = tls();
        PolybusException plaintext = TlsFailure.diagnose(off, "demo", "localhost", optionalClientAuth.port(),
                Duration.ofSeconds(5)).orElseThrow();
        assertEquals("demo at localhost:" + optionalClientAuth.port() + " expects TLS on this port and the client spoke"
                + " plaintext; turn TLS on with `tls: true`", plaintext.getMessage());

        try (ServerSocket plain = new ServerSocket(0)) {
            Thread answer = answerPlainly(plain);
            assertEquals(Optional.empty(), TlsFailure.diagnose(off, "demo", "localhost", plain.getLocalPort(),
                    Duration.ofSeconds(5)), "a plaintext server was taken for a TLS one");
            answer.join(5000);

            answer = answerPlainly(plain);
            TlsSettings on = tls("tls", "true", "tls.ca-file", ca.caFile().toString());
            PolybusException notTls = assertThrows(PolybusException.class, () -> {
                try (SSLSocket socket = (SSLSocket) on.sslContext().getSocketFactory().createSocket("localhost",
                        plain.getLocalPort())) {
                    socket.setSSLParameters(on.sslParameters());
                    socket.startHandshake();
                } catch (IOException e) {
                    throw TlsFailure.explain(e, on, "demo", "localhost:" + plain.getLocalPort()).orElseThrow();
                }
            });
            assertTrue(notTls.getMessage().endsWith("the server does not speak TLS on this port"), notTls.getMessage());
            answer.join(5000);
        }
    }

    /** Answers one connection as a plaintext server does (Redis, here), then waits for the client to hang up. */
    private static Thread answerPlainly(ServerSocket server) {
        Thread thread = new Thread(() -> {
            try (Socket s = server.accept()) {
                s.getOutputStream().write("-ERR unknown command\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getInputStream().read();
            } catch (IOException e) {
                // the client hung up: nothing more to answer
            }
        });
        thread.start();
        return thread;
    }

    @Test
    void badFilesAndPasswordsNameTheKeyAndNeverThePassword() throws Exception {
        Path missing = dir.resolve("no-such.pem");
        assertProblem("tls.ca-file", tls -> tls.with("tls.ca-file", missing.toString()), "cannot be read");
        assertProblem("tls.ca-file", tls -> tls.with("tls.ca-file", client.keyFile().toString()), "no PEM certificate");
        assertProblem("tls.key-password", tls -> tls.with("tls.cert-file", client.certFile().toString())
                .with("tls.key-file", client.encryptedKeyFile("right-one").toString()).with("tls.key-password", SECRET),
                "does not decrypt");
        assertProblem("tls.key-password", tls -> tls.with("tls.cert-file", client.certFile().toString())
                .with("tls.key-file", client.encryptedKeyFile(SECRET).toString()), "is encrypted");
        assertProblem("tls.trust-store-password", tls -> tls.with("tls.trust-store", ca.trustStore("right-one").toString())
                .with("tls.trust-store-password", SECRET), "does not open tls.trust-store");
        assertProblem("tls.key-store-password", tls -> tls.with("tls.key-store", client.keyStore("right-one").toString())
                .with("tls.key-store-password", SECRET), "does not open tls.key-store");
        assertProblem("tls.key-password", tls -> tls.with("tls.key-store", client.keyStore("store-pw", "right-one").toString())
                .with("tls.key-store-password", "store-pw").with("tls.key-password", SECRET), "does not unlock the key");
        assertProblem("tls.cert-file", tls -> tls.with("tls.cert-file", ca.client("someone-else").certFile().toString())
                .with("tls.key-file", client.keyFile().toString()), "does not start with the certificate of the key");
        assertProblem("tls.key-file", tls -> tls.with("tls.cert-file", client.certFile().toString()), "go together");
        assertProblem("tls.trust-store", tls -> tls.with("tls.ca-file", ca.caFile().toString())
                .with("tls.trust-store", ca.trustStore(SECRET).toString()), "not both");

        Path traditional = dir.resolve("traditional.pem");
        KeyStore store = KeyStore.getInstance(client.keyStore("pw").toFile(), "pw".toCharArray());
        PrivateKey key = (PrivateKey) store.getKey(store.aliases().nextElement(), "pw".toCharArray());
        try (JcaPEMWriter writer = new JcaPEMWriter(new FileWriter(traditional.toFile()))) {
            writer.writeObject(key);
        }
        assertProblem("tls.key-file", tls -> tls.with("tls.cert-file", client.certFile().toString())
                .with("tls.key-file", traditional.toString()), "openssl pkcs8 -topk8");
    }

    @Test
    void tlsKeysWithTlsOffAreRefusedRatherThanIgnored() {
        ConfigException e = assertThrows(ConfigException.class, () -> tls("tls.ca-file", ca.caFile().toString(),
                "tls.key-store-password", SECRET));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("tls.ca-file: is set, but TLS is off; turn it on with `tls: true`"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());

        ConfigDef kafkaLike = ConfigDef.builder("kafka-like").define("security-protocol", Type.STRING, "PLAINTEXT", "")
                .include(TlsSettings::defineStores).build();
        ConfigException off = assertThrows(ConfigException.class, () -> TlsSettings.from(kafkaLike.parse(Config.of(
                "type", "kafka-like", "tls.ca-file", ca.caFile().toString())), false, "security-protocol SSL or SASL_SSL"));
        assertTrue(off.getMessage().contains("turn it on with security-protocol SSL or SASL_SSL"), off.getMessage());
    }

    @Test
    void theKeyTableOfDocsSecurityMdIsTheFragments() {
        String table = ConfigDef.builder("tls").include(TlsSettings::define).build().toMarkdown();
        String doc = DocSnippets.read(Path.of("..", "docs", "security.md"));
        assertTrue(doc.contains(table), "docs/security.md is out of date; paste in:\n" + table);
    }

    private interface Edit {
        Config apply(Config config);
    }

    private static void assertProblem(String key, Edit edit, String says) {
        Config config = edit.apply(Config.of("type", "demo", "tls", "true"));
        ConfigException e = assertThrows(ConfigException.class, () -> TlsSettings.from(DEF.parse(config)));
        assertTrue(e.getMessage().contains(key + ":") && e.getMessage().contains(says), key + " / " + says + ": " + e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertFalse(e.getMessage().contains("\n") && e.problems().size() == 1, e.getMessage());
    }

    private static PolybusException failure(TlsSettings tls, TlsServer server, String host) {
        IOException e = assertThrows(IOException.class, () -> server.connect(tls, host));
        return TlsFailure.explain(e, tls, "demo", host + ":" + server.port()).orElseThrow(() -> new AssertionError(
                "no explanation for " + e, e));
    }

    /**
     * A TLS server in this JVM: answers each connection with the subject of the client's certificate (empty without
     * one), one line, then closes it.
     */
    static final class TlsServer implements AutoCloseable {
        private final SSLServerSocket socket;
        private final Thread acceptor;

        TlsServer(TestCa ca, TestCa.Issued certificate, boolean needClientAuth) throws Exception {
            KeyStore keys = KeyStore.getInstance(certificate.keyStore("server-pw").toFile(), "server-pw".toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "server-pw".toCharArray());
            KeyStore trust = KeyStore.getInstance(ca.trustStore("trust-pw").toFile(), "trust-pw".toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0);
            if (needClientAuth) {
                socket.setNeedClientAuth(true);
            } else {
                socket.setWantClientAuth(true);
            }
            acceptor = new Thread(this::serve, "tls-test-server-" + socket.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (SSLSocket connection = (SSLSocket) socket.accept()) {
                    connection.setSoTimeout(5000);
                    connection.startHandshake();
                    String subject;
                    try {
                        subject = connection.getSession().getPeerPrincipal().getName();
                    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                        subject = "";
                    }
                    connection.getOutputStream().write((subject + "\n").getBytes());
                    connection.getOutputStream().flush();
                } catch (IOException e) {
                    // a refused handshake or a closed server socket: the client sees the outcome
                }
            }
        }

        /** Connects with {@code tls} as a broker module does, returns the subject line the server sends back. */
        String connect(TlsSettings tls, String host) throws IOException {
            try (SSLSocket client = (SSLSocket) tls.sslContext().getSocketFactory().createSocket(host, port())) {
                client.setSSLParameters(tls.sslParameters());
                client.setSoTimeout(5000);
                InputStream in = client.getInputStream();
                StringBuilder line = new StringBuilder();
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    if (c < 0) {
                        throw new java.io.EOFException("closed before the answer");
                    }
                    line.append((char) c);
                }
                return line.toString();
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
