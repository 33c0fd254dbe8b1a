package io.polybus.kafka;

import io.polybus.testkit.TestCa;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * An in-process single-node Kafka with one listener per security set-up, certificates made at start-up:
 * <ul>
 *   <li>{@code EXTERNAL}: PLAINTEXT (the test kit's own; also where the SCRAM user is created);</li>
 *   <li>{@code SCRAM}: SASL_SSL with SCRAM-SHA-512;</li>
 *   <li>{@code SASL}: SASL_PLAINTEXT with SCRAM-SHA-512;</li>
 *   <li>{@code MTLS}: SSL that requires a client certificate;</li>
 *   <li>{@code EXPIRED}: SSL with a server certificate that expired yesterday.</li>
 * </ul>
 * One cluster for all of a class's security tests; server certificates name {@code localhost} only.
 */
final class SecuredKafka implements AutoCloseable {
    static final String USER = "shipper";
    static final String PASSWORD = "scram-Sentinel-11";
    private static final String STORE_PASSWORD = "server-store-pw";

    final Path dir;
    final TestCa ca;
    private final KafkaClusterTestKit kit;

    private SecuredKafka(Path dir) throws Exception {
        this.dir = dir;
        ca = TestCa.create(dir, "polybus-kafka-test-ca");
        Path serverStore = ca.server("localhost").keyStore(STORE_PASSWORD);
        Path expiredStore = ca.expired("localhost").keyStore(STORE_PASSWORD);
        Path trustStore = ca.trustStore(STORE_PASSWORD);
        String scramJaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
        kit = TestCluster.startSingleNode(TestCluster.singleNode()
                .setConfigProp("listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0,SCRAM://localhost:0,"
                        + "SASL://localhost:0,MTLS://localhost:0,EXPIRED://localhost:0")
                .setConfigProp("listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,"
                        + "SCRAM:SASL_SSL,SASL:SASL_PLAINTEXT,MTLS:SSL,EXPIRED:SSL")
                .setConfigProp("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .setConfigProp("listener.name.scram.scram-sha-512.sasl.jaas.config", scramJaas)
                .setConfigProp("listener.name.sasl.scram-sha-512.sasl.jaas.config", scramJaas)
                .setConfigProp("ssl.keystore.type", "PKCS12")
                .setConfigProp("ssl.keystore.location", serverStore.toString())
                .setConfigProp("ssl.keystore.password", STORE_PASSWORD)
                .setConfigProp("ssl.key.password", STORE_PASSWORD)
                .setConfigProp("ssl.truststore.type", "PKCS12")
                .setConfigProp("ssl.truststore.location", trustStore.toString())
                .setConfigProp("ssl.truststore.password", STORE_PASSWORD)
                .setConfigProp("listener.name.mtls.ssl.client.auth", "required")
                .setConfigProp("listener.name.expired.ssl.keystore.location", expiredStore.toString())
                .setConfigProp("offsets.topic.num.partitions", "1"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kit.bootstrapServers()))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PASSWORD))).all().get();
            await("SCRAM user " + USER).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !admin.describeUserScramCredentials(List.of(USER)).all().get().isEmpty());
        }
    }

    static SecuredKafka start() throws Exception {
        return new SecuredKafka(Files.createTempDirectory("polybus-kafka-tls"));
    }

    /** {@code localhost:<port>} of a listener: SCRAM, SASL, MTLS, EXPIRED or EXTERNAL. */
    String address(String listener) {
        return "localhost:" + port(listener);
    }

    int port(String listener) {
        return kit.brokers().values().iterator().next().boundPort(ListenerName.normalised(listener));
    }

    @Override
    public void close() throws Exception {
        try {
            kit.close();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
