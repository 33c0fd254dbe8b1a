package io.polybus.kafka.internal;

import io.polybus.Config;
import org.apache.kafka.common.config.types.Password;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the keys become kafka-clients properties; no broker needed. */
class KafkaSettingsTest {

    private static KafkaSettings settings(Config config) {
        return new KafkaSettings(KafkaSettings.CONFIG.parse(config.with("type", "kafka")));
    }

    @TempDir
    static Path dir;

    @Test
    void saslScramBuildsAJaasConfigThatKafkaMasks() {
        Path trustStore = TestCa.create(dir, "ca").trustStore("trust-me");
        KafkaSettings s = settings(Config.of("security-protocol", "SASL_SSL", "sasl-mechanism", "SCRAM-SHA-512",
                "sasl-username", "app", "sasl-password", "pa\"ss", "tls.trust-store", trustStore.toString(),
                "tls.trust-store-password", "trust-me"));
        Map<String, Object> p = s.producer(1024, Duration.ofSeconds(1));
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", p.get("sasl.mechanism"));
        Password jaas = assertInstanceOf(Password.class, p.get("sasl.jaas.config"));
        assertTrue(jaas.value().startsWith("org.apache.kafka.common.security.scram.ScramLoginModule required"), jaas.value());
        assertTrue(jaas.value().contains("username=\"app\"") && jaas.value().contains("password=\"pa\\\"ss\""), jaas.value());
        assertFalse(p.toString().contains("pa\"ss") || p.toString().contains("trust-me"), "a secret shows in " + p);
        assertEquals(trustStore.toString(), p.get("ssl.truststore.location"));
        assertEquals("PKCS12", p.get("ssl.truststore.type"));
        assertEquals(p.get("sasl.jaas.config"), s.consumer("g", false, 10).get("sasl.jaas.config"));
        assertEquals(p.get("sasl.jaas.config"), s.admin().get("sasl.jaas.config"));
    }

    @Test
    void pemFilesBecomeKafkasPemSettingsWithTheKeyDecryptedAndMasked() throws Exception {
        TestCa ca = TestCa.create(dir.resolve("pem"), "ca");
        TestCa.Issued client = ca.client("app");
        KafkaSettings s = settings(Config.of("security-protocol", "SSL", "tls.ca-file", ca.caFile().toString(),
                "tls.cert-file", client.certFile().toString(), "tls.key-file", client.encryptedKeyFile("key-pw").toString(),
                "tls.key-password", "key-pw", "tls.verify-hostname", "false"));
        Map<String, Object> p = s.consumer("g", false, 10);
        assertEquals("PEM", p.get("ssl.truststore.type"));
        assertEquals(ca.caFile().toString(), p.get("ssl.truststore.location"));
        assertEquals("PEM", p.get("ssl.keystore.type"));
        assertEquals(Files.readString(client.certFile()).strip(), ((String) p.get("ssl.keystore.certificate.chain")).strip());
        Password key = assertInstanceOf(Password.class, p.get("ssl.keystore.key"));
        assertTrue(key.value().startsWith("-----BEGIN PRIVATE KEY-----"), "kafka-clients cannot read PBES2 keys on Java 17");
        assertFalse(p.containsKey("ssl.key.password"));
        assertEquals("", p.get("ssl.endpoint.identification.algorithm"));
        assertFalse(p.toString().contains("BEGIN PRIVATE KEY") || p.toString().contains("key-pw"), "a secret shows in " + p);
    }

    @Test
    void saslPlainUsesThePlainLoginModule() {
        KafkaSettings s = settings(Config.of("security-protocol", "SASL_PLAINTEXT", "sasl-username", "u",
                "sasl-password", "p"));
        Password jaas = (Password) s.admin().get("sasl.jaas.config");
        assertTrue(jaas.value().startsWith("org.apache.kafka.common.security.plain.PlainLoginModule required"));
    }

    @Test
    void defaultsKeepTheContractAndPassThroughComesLast() {
        KafkaSettings s = settings(Config.of("kafka.compression.type", "zstd", "kafka.max.poll.interval.ms", "60000"));
        Map<String, Object> p = s.producer(1024, Duration.ofSeconds(3));
        assertEquals("all", p.get("acks"));
        assertEquals(true, p.get("enable.idempotence"));
        assertEquals("zstd", p.get("compression.type"));
        assertEquals(2 * 1024 * 1024 + KafkaSettings.WIRE_OVERHEAD, p.get("max.request.size"));
        assertEquals(3000L, p.get("max.block.ms"));
        assertFalse(p.containsKey("max.poll.interval.ms"), "a consumer property reached the producer");
        Map<String, Object> c = s.consumer("g", true, 100);
        assertEquals(false, c.get("enable.auto.commit"));
        assertEquals("earliest", c.get("auto.offset.reset"));
        assertEquals("60000", c.get("max.poll.interval.ms"));
    }
}
