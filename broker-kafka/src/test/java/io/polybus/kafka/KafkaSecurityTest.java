package io.polybus.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.PolybusException;
import io.polybus.spi.ConfigDef;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.RoundTrip;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SASL_SSL with SCRAM-SHA-512 and mutual TLS against a Kafka of this class's own ({@link SecuredKafka}: a listener
 * per set-up, certificates made at start-up). Each failure is one line naming Kafka, the address and the cause,
 * including a client speaking the wrong protocol to a listener, which Kafka answers only by closing the connection.
 */
class KafkaSecurityTest {
    private static SecuredKafka kafka;
    private static TestCa.Issued client;

    @BeforeAll
    static void start() throws Exception {
        kafka = SecuredKafka.start();
        client = kafka.ca.client("shipper");
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Config base(String bootstrap) {
        return Config.of("type", "kafka", "bootstrap-servers", bootstrap, "partitions", "1", "connect-timeout", "30s",
                "kafka.heartbeat.interval.ms", "500");
    }

    private static Config scram(String bootstrap) {
        return base(bootstrap).with("security-protocol", "SASL_SSL").with("sasl-mechanism", "SCRAM-SHA-512")
                .with("sasl-username", SecuredKafka.USER).with("sasl-password", SecuredKafka.PASSWORD)
                .with("tls.ca-file", kafka.ca.caFile().toString());
    }

    private static Config mutual(TestCa.Issued certificate) {
        return base(kafka.address("MTLS")).with("security-protocol", "SSL")
                .with("tls.ca-file", kafka.ca.caFile().toString())
                .with("tls.cert-file", certificate.certFile().toString())
                .with("tls.key-file", certificate.keyFile().toString());
    }

    private static PolybusException refused(Config config) {
        return assertThrows(PolybusException.class, () -> Brokers.open(config, new SimpleMeterRegistry()));
    }

    @Test
    void saslSslWithScramSha512CarriesMessages() throws Exception {
        RoundTrip.check(scram(kafka.address("SCRAM")));
    }

    @Test
    void mutualTlsWithAnEncryptedPemKeyCarriesMessagesAndPkcs12StoresOpen() throws Exception {
        RoundTrip.check(mutual(client).with("tls.key-file", client.encryptedKeyFile("key-pw").toString())
                .with("tls.key-password", "key-pw"));
        try (Broker broker = Brokers.open(base(kafka.address("MTLS")).with("security-protocol", "SSL")
                .with("tls.trust-store", kafka.ca.trustStore("trust-pw").toString())
                .with("tls.trust-store-password", "trust-pw")
                .with("tls.key-store", client.keyStore("store-pw", "key-pw").toString())
                .with("tls.key-store-password", "store-pw").with("tls.key-password", "key-pw"), new SimpleMeterRegistry())) {
            assertEquals("kafka", broker.type());
        }
    }

    @Test
    void wrongScramPasswordIsAnAuthenticationErrorWithoutThePassword() {
        PolybusException e = refused(scram(kafka.address("SCRAM")).with("sasl-password", "not-the-Sentinel-9"));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("Kafka at " + kafka.address("SCRAM") + " refused the credentials"),
                e.getMessage());
        assertFalse(e.getMessage().contains("not-the-Sentinel-9") || e.getMessage().contains(SecuredKafka.PASSWORD),
                e.getMessage());
    }

    @Test
    void wrongCaIsNamed() {
        Path otherCa = TestCa.create(kafka.dir.resolve("other"), "another-ca").caFile();
        PolybusException e = refused(scram(kafka.address("SCRAM")).with("tls.ca-file", otherCa.toString()));
        assertEquals("Kafka at " + kafka.address("SCRAM") + ": TLS handshake failed: the server's certificate is not"
                + " signed by a CA in tls.ca-file '" + otherCa + "'", e.getMessage());
    }

    @Test
    void hostNameMismatchIsNamed() throws Exception {
        String byIp = "127.0.0.1:" + kafka.port("SCRAM");
        PolybusException e = refused(scram(byIp));
        assertTrue(e.getMessage().startsWith("Kafka at " + byIp + ": TLS handshake failed: the server's certificate"
                + " does not name the host connected to"), e.getMessage());
        try (Broker broker = Brokers.open(scram(byIp).with("tls.verify-hostname", "false"), new SimpleMeterRegistry())) {
            assertEquals("kafka", broker.type());
        }
    }

    @Test
    void expiredServerCertificateIsNamed() {
        PolybusException e = refused(base(kafka.address("EXPIRED")).with("security-protocol", "SSL")
                .with("tls.ca-file", kafka.ca.caFile().toString()));
        assertTrue(e.getMessage().startsWith("Kafka at " + kafka.address("EXPIRED") + ": TLS handshake failed: the"
                + " server's certificate has expired"), e.getMessage());
    }

    @Test
    void missingClientCertificateIsNamed() {
        PolybusException e = refused(base(kafka.address("MTLS")).with("security-protocol", "SSL")
                .with("tls.ca-file", kafka.ca.caFile().toString()));
        assertFalse(e.isRetriable());
        assertTrue(e.getMessage().startsWith("Kafka at " + kafka.address("MTLS") + ": ")
                && e.getMessage().contains("client certificate") && e.getMessage().contains("tls.cert-file"), e.getMessage());
    }

    @Test
    void expiredClientCertificateIsNamed() {
        PolybusException e = refused(mutual(kafka.ca.expired("shipper")));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("Kafka at " + kafka.address("MTLS") + ": ")
                && e.getMessage().contains("client certificate") && e.getMessage().contains("expired on"), e.getMessage());
    }

    @Test
    void plaintextAgainstTheSaslSslListenerIsNamed() {
        PolybusException e = refused(base(kafka.address("SCRAM")).with("connect-timeout", "3s"));
        assertEquals("Kafka at " + kafka.address("SCRAM") + " expects TLS on this port and the client spoke plaintext;"
                + " turn TLS on with security-protocol SSL or SASL_SSL", e.getMessage());
    }

    @Test
    void noSaslAgainstASaslListenerIsNamed() {
        PolybusException plaintext = refused(base(kafka.address("SASL")).with("connect-timeout", "3s"));
        assertEquals("Kafka at " + kafka.address("SASL") + " expects SASL authentication on this listener (mechanisms"
                + " SCRAM-SHA-512) and the client sent none; set security-protocol SASL_PLAINTEXT with sasl-mechanism,"
                + " sasl-username and sasl-password", plaintext.getMessage());

        PolybusException tlsOnly = refused(base(kafka.address("SCRAM")).with("connect-timeout", "3s")
                .with("security-protocol", "SSL")
                .with("tls.ca-file", kafka.ca.caFile().toString()));
        assertTrue(tlsOnly.getMessage().startsWith("Kafka at " + kafka.address("SCRAM") + " expects SASL authentication"
                + " on this listener (mechanisms SCRAM-SHA-512)") && tlsOnly.getMessage().contains("SASL_SSL"),
                tlsOnly.getMessage());
    }

    @Test
    void tlsAgainstAPlaintextListenerIsNamed() {
        PolybusException e = refused(base(kafka.address("EXTERNAL")).with("connect-timeout", "3s")
                .with("security-protocol", "SSL").with("tls.ca-file", kafka.ca.caFile().toString()));
        assertTrue(e.getMessage().startsWith("Kafka at " + kafka.address("EXTERNAL") + ": TLS handshake failed")
                && e.getMessage().contains("TLS on this port"), e.getMessage());
    }

    @Test
    void theExampleOfDocsSecurityMdCarriesMessages() throws Exception {
        Config example = Config.fromYaml(DocSnippets.yaml(Path.of("..", "docs", "security.md"), "kafka"),
                DocSnippets.environment(Map.of("KAFKA_PASSWORD", SecuredKafka.PASSWORD,
                        "POLYBUS_CA_FILE", kafka.ca.caFile().toString(), "POLYBUS_CERT_FILE", client.certFile().toString(),
                        "POLYBUS_KEY_FILE", client.encryptedKeyFile("key-Sentinel").toString(),
                        "POLYBUS_KEY_PASSWORD", "key-Sentinel"))).section("broker");
        RoundTrip.check(example.with("bootstrap-servers", kafka.address("SCRAM")).with("partitions", "1"));
    }

    @Test
    void theKeyTablesOfTheDocsMatchTheConfigDef() {
        ConfigDef definition = Brokers.configDef("kafka").orElseThrow();
        String security = DocSnippets.table(definition, "security-protocol", "sasl-mechanism", "sasl-username",
                "sasl-password");
        assertTrue(DocSnippets.read(Path.of("..", "docs", "security.md")).contains(security),
                "docs/security.md is out of date; paste in:\n" + security);
        String all = definition.toMarkdown();
        assertTrue(DocSnippets.read(Path.of("..", "docs", "kafka.md")).contains(all),
                "docs/kafka.md is out of date; paste in:\n" + all);
    }

    @Test
    void tlsKeysWithoutATlsProtocolAndKafkaClientTlsKeysAreRefused() {
        ConfigException off = assertThrows(ConfigException.class, () -> Brokers.open(base(kafka.address("EXTERNAL"))
                .with("tls.ca-file", kafka.ca.caFile().toString()), new SimpleMeterRegistry()));
        assertTrue(off.getMessage().contains("tls.ca-file: is set, but TLS is off; turn it on with security-protocol SSL"
                + " or SASL_SSL"), off.getMessage());
        ConfigException owned = assertThrows(ConfigException.class, () -> Brokers.open(scram(kafka.address("SCRAM"))
                .with("kafka.ssl.truststore.location", "/etc/ca.p12"), new SimpleMeterRegistry()));
        assertTrue(owned.getMessage().contains("kafka.ssl.truststore.location: TLS is configured with the tls.* keys"),
                owned.getMessage());
    }
}
