package io.polybus.agent;

import io.polybus.ConfigException;
import io.polybus.agent.internal.syslog.SyslogSourceProvider;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The syslog source over TLS (RFC 5425: octet-counted frames in a TLS stream), with certificates made at test time,
 * spoken to by {@code openssl s_client} and by a Java {@link SSLSocket}: client certificates not asked for, optional
 * or required, a PKCS12 key store for the server, senders refused (counted), and the keys' mistakes.
 */
class SyslogTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String STORE_PASSWORD = "store-pw";

    @TempDir
    static Path certs;
    private static TestCa ca;
    private static TestCa.Issued server;
    private static TestCa.Issued client;
    private static TestCa stranger;

    @TempDir
    Path dir;
    AgentFixture fx;
    int port;

    @BeforeAll
    static void makeCertificates() {
        ca = TestCa.create(certs.resolve("ca"), "polybus-syslog-test-ca");
        server = ca.server("localhost", "127.0.0.1");
        client = ca.client("sender");
        stranger = TestCa.create(certs.resolve("stranger"), "another-ca");
    }

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    /** A TLS syslog source on 127.0.0.1 with the server's PEM files and {@code extra} keys. */
    private void start(String extra) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        fx = new AgentFixture(dir);
        fx.start(fx.yaml("  - name: sys\n    type: syslog\n    protocol: tcp\n    listen: 127.0.0.1:" + port
                + "\n    key: '{source.name}'\n    tls: true\n" + extra));
    }

    private static String pem() {
        return "    tls.cert-file: '" + server.certFile() + "'\n    tls.key-file: '" + server.keyFile() + "'\n";
    }

    private static String frame(String message) {
        return message.getBytes(StandardCharsets.UTF_8).length + " " + message;
    }

    /** {@code openssl s_client} checking the server against the test CA, sending {@code input}, then closing. */
    private Process openssl(List<String> options, String input) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-verify_hostname", "localhost", "-CAfile", ca.caFile().toString(),
                "-verify_return_error", "-quiet", "-no_ign_eof"));
        command.addAll(options);
        Process openssl = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl-" + System.nanoTime() + ".out").toFile()).start();
        try (OutputStream in = openssl.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        return openssl;
    }

    /** A Java TLS client trusting the test CA, presenting {@code certificate} when not null. */
    private static SSLContext context(TestCa.Issued certificate) throws GeneralSecurityException, IOException {
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

    /** Sends {@code frames} over TLS, presenting {@code certificate} when not null, and closes. */
    private void send(TestCa.Issued certificate, String... frames) throws Exception {
        try (SSLSocket socket = (SSLSocket) context(certificate).getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            for (String f : frames) {
                out.write(f.getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
        }
    }

    /** A sender the source refuses: the handshake, or the first read after it (TLS 1.3 judges clients late), fails. */
    private void refusedSender(SSLContext context) throws Exception {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            assertThrows(IOException.class, () -> {
                socket.getOutputStream().write(frame("<13>1 - h app - - - refused").getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                if (socket.getInputStream().read() < 0) {
                    throw new IOException("closed");
                }
            });
        }
    }

    @Test
    void octetCountedFramesFromOpensslSClientBecomeEvents() throws Exception {
        start(pem());
        Process openssl = openssl(List.of(), frame("<34>1 2026-12-07T00:00:00Z web1 su - ID47 - 'su root' failed on"
                + " /dev/pts/8") + frame("<13>Dec  7 00:00:01 web1 app: second"));
        await().atMost(WAIT).until(() -> fx.events.size() >= 2);
        assertTrue(openssl.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "openssl s_client ends");
        assertEquals(List.of("'su root' failed on /dev/pts/8", "second"), fx.messages());
        assertEquals("web1", fx.events.get(0).at("/fields/hostname").asText(), fx.events.get(0).toString());
        assertEquals(0, fx.counter("connections.tls-failed", "source", "sys"));
    }

    @Test
    void requiredClientCertificatesLetSignedSendersInAndRefuseOthers() throws Exception {
        start("    tls.key-store: '" + server.keyStore(STORE_PASSWORD) + "'\n    tls.key-store-password: " + STORE_PASSWORD
                + "\n    tls.client-auth: required\n    tls.ca-file: '" + ca.caFile() + "'\n");
        send(client, frame("<13>1 - h app - - - with a certificate"));
        await().atMost(WAIT).until(() -> fx.events.size() >= 1);
        refusedSender(context(null));
        await().atMost(WAIT).until(() -> fx.counter("connections.tls-failed", "source", "sys") == 1.0);
        assertEquals(List.of("with a certificate"), fx.messages());
    }

    @Test
    void optionalClientCertificatesLetSendersWithoutOneInAndRefuseUnsignedOnes() throws Exception {
        start(pem() + "    tls.client-auth: optional\n    tls.ca-file: '" + ca.caFile() + "'\n");
        send(null, frame("<13>1 - h app - - - without a certificate"));
        send(client, frame("<13>1 - h app - - - with a certificate"));
        await().atMost(WAIT).until(() -> fx.events.size() >= 2);
        // A Java client offers only a certificate the server's CAs signed; openssl offers any.
        TestCa.Issued unsigned = stranger.client("sender");
        Process openssl = openssl(List.of("-cert", unsigned.certFile().toString(), "-key", unsigned.keyFile().toString()),
                frame("<13>1 - h app - - - unsigned"));
        await().atMost(WAIT).until(() -> fx.counter("connections.tls-failed", "source", "sys") == 1.0);
        assertTrue(openssl.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "openssl s_client ends");
        assertEquals(List.of("without a certificate", "with a certificate"), fx.messages());
    }

    @Test
    void aPlaintextSenderOnTheTlsPortIsClosedAndCounted() throws Exception {
        start(pem());
        try (Socket plain = new Socket(LOOPBACK, port)) {
            plain.setSoTimeout((int) WAIT.toMillis());
            plain.getOutputStream().write(frame("<13>1 - h app - - - in the clear").getBytes(StandardCharsets.UTF_8));
            plain.getOutputStream().flush();
            await().atMost(WAIT).until(() -> fx.counter("connections.tls-failed", "source", "sys") == 1.0);
        }
        send(null, frame("<13>1 - h app - - - over TLS"));
        await().atMost(WAIT).until(() -> fx.events.size() >= 1);
        assertEquals(List.of("over TLS"), fx.messages());
    }

    @Test
    void mistakesInTheTlsKeysAreRefusedAtStartNamingTheKey() throws IOException {
        assertTrue(refusedAtStart("").contains("tls.cert-file: missing: a TLS server needs its certificate and key"));
        assertTrue(refusedAtStart(pem() + "    tls.client-auth: required\n").contains("tls.ca-file: missing:"
                + " tls.client-auth required checks client certificates against the CAs"));
        assertTrue(refusedAtStart(pem() + "    tls.ca-file: '" + ca.caFile() + "'\n").contains("tls.ca-file: is set, but"
                + " tls.client-auth is none"));
        String encrypted = "    tls.cert-file: '" + server.certFile() + "'\n    tls.key-file: '"
                + server.encryptedKeyFile("Sentinel-key-pw") + "'\n    tls.key-password: not-the-Sentinel\n";
        String wrongPassword = refusedAtStart(encrypted);
        assertTrue(wrongPassword.contains("tls.key-password: '[hidden]' is not valid; does not decrypt tls.key-file"),
                wrongPassword);
        assertTrue(!wrongPassword.contains("not-the-Sentinel") && !wrongPassword.contains("Sentinel-key-pw"), wrongPassword);
    }

    @Test
    void tlsOverUdpIsRefused() throws IOException {
        fx = new AgentFixture(dir);
        String yaml = fx.yaml("  - name: sys\n    type: syslog\n    protocol: udp\n    listen: 127.0.0.1:0\n    tls: true\n"
                + pem());
        ConfigException e = assertThrows(ConfigException.class, () -> fx.start(yaml));
        assertTrue(e.getMessage().contains("tls: used with protocol: tcp only"), e.getMessage());
    }

    @Test
    void theExampleAndKeyTableOfDocsSecurityMdHold() throws Exception {
        Path security = Path.of("..", "docs", "security.md");
        String table = DocSnippets.table(new SyslogSourceProvider().configDef(), "tls", "tls.cert-file", "tls.key-file",
                "tls.key-store", "tls.key-store-password", "tls.key-password", "tls.client-auth", "tls.ca-file",
                "tls.trust-store", "tls.trust-store-password");
        assertTrue(DocSnippets.read(security).contains(table), "docs/security.md is out of date; paste in:\n" + table);
        String example = DocSnippets.yaml(security, "syslog").replace("${POLYBUS_CERT_FILE}", server.certFile().toString())
                .replace("${POLYBUS_KEY_FILE}", server.keyFile().toString())
                .replace("${POLYBUS_CA_FILE}", ca.caFile().toString());
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            port = s.getLocalPort();
        }
        fx = new AgentFixture(dir);
        fx.start(fx.yaml(example.substring(example.indexOf("  - name:")).replace("0.0.0.0:6514", "127.0.0.1:" + port)));
        send(client, frame("<13>1 - h app - - - as documented"));
        await().atMost(WAIT).until(() -> fx.events.size() >= 1);
        refusedSender(context(null));
        assertEquals(List.of("as documented"), fx.messages());
    }

    private String refusedAtStart(String extra) throws IOException {
        if (fx != null) {
            fx.close();
        }
        ConfigException e = assertThrows(ConfigException.class, () -> start(extra));
        return e.getMessage();
    }
}
