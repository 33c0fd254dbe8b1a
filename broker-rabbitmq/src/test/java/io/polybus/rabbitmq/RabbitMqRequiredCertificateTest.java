package io.polybus.rabbitmq;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.PolybusException;
import io.polybus.testkit.RoundTrip;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The TLS failures {@link RabbitMqSecurityTest}'s node cannot show: a node that requires client certificates
 * ({@code fail_if_no_peer_cert = true}) and a node whose certificate has expired. One isolated node serves both: its
 * certificate files are replaced and Erlang's PEM cache cleared ({@code ssl:clear_pem_cache()}), as an operator
 * rotates a node's certificate without a restart.
 */
class RabbitMqRequiredCertificateTest {
    private static Path dir;
    private static TestCa ca;
    private static TestCa.Issued valid;
    private static TestCa.Issued expired;
    private static Path certFile;
    private static Path keyFile;
    private static IsolatedRabbit rabbit;
    private static int tlsPort;

    @BeforeAll
    static void startNode() throws Exception {
        assumeTrue(IsolatedRabbit.available(), "rabbitmq-server is not installed");
        dir = Files.createTempDirectory("polybus-rabbit-mtls");
        ca = TestCa.create(dir, "polybus-rabbit-required-ca");
        valid = ca.server("localhost");
        expired = ca.expired("localhost");
        certFile = dir.resolve("server.pem");
        keyFile = dir.resolve("server.key");
        Files.copy(valid.certFile(), certFile);
        Files.copy(valid.keyFile(), keyFile);
        tlsPort = IsolatedRabbit.freePort();
        rabbit = IsolatedRabbit.start(List.of(), String.join("\n",
                "listeners.ssl.default = 127.0.0.1:" + tlsPort,
                "ssl_options.cacertfile = " + ca.caFile(),
                "ssl_options.certfile = " + certFile,
                "ssl_options.keyfile = " + keyFile,
                "ssl_options.verify = verify_peer",
                "ssl_options.fail_if_no_peer_cert = true", ""));
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

    /** Makes the node present {@code certificate} to the next connections. */
    private static void serve(TestCa.Issued certificate) throws Exception {
        Files.copy(certificate.certFile(), certFile, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(certificate.keyFile(), keyFile, StandardCopyOption.REPLACE_EXISTING);
        rabbit.ctl("eval", "ssl:clear_pem_cache().");
    }

    private static Config tls() {
        return Config.of("type", "rabbitmq", "host", "localhost", "port", Integer.toString(tlsPort), "tls", "true",
                "tls.ca-file", ca.caFile().toString(), "connection-timeout", "3s");
    }

    private static PolybusException refused(Config config) {
        return assertThrows(PolybusException.class, () -> Brokers.open(config, new SimpleMeterRegistry()));
    }

    @Test
    void missingClientCertificateIsNamed() throws Exception {
        serve(valid);
        PolybusException e = refused(tls());
        assertFalse(e.isRetriable());
        assertTrue(e.getMessage().startsWith("RabbitMQ at localhost:" + tlsPort + ": ")
                && e.getMessage().contains("require") && e.getMessage().contains("client certificate")
                && e.getMessage().contains("tls.cert-file"), e.getMessage());
        TestCa.Issued client = ca.client("guest");
        RoundTrip.check(tls().with("tls.cert-file", client.certFile().toString())
                .with("tls.key-file", client.keyFile().toString()));
    }

    @Test
    void expiredServerCertificateIsNamed() throws Exception {
        serve(expired);
        try {
            PolybusException e = refused(tls());
            assertFalse(e.isRetriable());
            assertTrue(e.getMessage().startsWith("RabbitMQ at localhost:" + tlsPort + ": TLS handshake failed: the"
                    + " server's certificate has expired"), e.getMessage());
        } finally {
            serve(valid);
        }
    }
}
