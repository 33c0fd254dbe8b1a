package io.polybus.sinks;

import io.polybus.Config;
import io.polybus.events.ComponentContext;
import io.polybus.events.Components;
import io.polybus.events.JsonEvent;
import io.polybus.events.Sink;
import io.polybus.events.SinkProvider;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.OwnPostgres;
import io.polybus.testkit.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The postgresql sink against a PostgreSQL of this class's own that takes only TLS connections (a certificate made at
 * start-up) and SCRAM passwords: it connects with {@code sslmode: verify-full} against the test CA, and a wrong
 * password, a wrong CA, a host the certificate does not name and a connection without TLS each fail with one line
 * naming the server and the cause, never the password.
 */
class PostgresqlSecurityTest {
    private static final String PASSWORD = "pg-Sentinel-4711";
    private static final SinkProvider POSTGRESQL = Components.load(SinkProvider.class).get("postgresql");

    private static Path dir;
    private static TestCa ca;
    private static OwnPostgres pg;

    @BeforeAll
    static void startServer() throws Exception {
        dir = Files.createTempDirectory("polybus-pg-tls");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        ca = TestCa.create(certs, "polybus-pg-test-ca");
        TestCa.Issued server = ca.server("localhost");
        OwnPostgres.giveToPostgres(server.keyFile());
        pg = OwnPostgres.start(dir, List.of("ssl = on", "ssl_cert_file = '" + server.certFile() + "'",
                        "ssl_key_file = '" + server.keyFile() + "'", "password_encryption = 'scram-sha-256'"),
                List.of("local all postgres trust",
                        "hostssl all shipper 127.0.0.1/32 scram-sha-256",
                        "host all all 127.0.0.1/32 reject"));
        pg.psql("CREATE USER shipper PASSWORD '" + PASSWORD + "'; GRANT CREATE ON DATABASE postgres TO shipper");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    private static Map<String, Object> sink(String host, Map<String, Object> properties) {
        Map<String, Object> c = new HashMap<>(Map.of(
                "url", "jdbc:postgresql://" + host + ":" + pg.port() + "/postgres", "user", "shipper", "password", PASSWORD,
                "schema", "secure", "connect-timeout", "5s"));
        c.put("properties", properties);
        return c;
    }

    private static Map<String, Object> verifyFull(String host) {
        return sink(host, Map.of("sslmode", "verify-full", "sslrootcert", ca.caFile().toString()));
    }

    /** What the first write of a sink with {@code config} throws: it connects then. */
    private static SQLException refused(Map<String, Object> config) {
        try (Sink sink = POSTGRESQL.create(POSTGRESQL.configDef().parse(config, "sink"),
                new ComponentContext("secure", "h", null, Clock.systemUTC(), null))) {
            SQLException e = assertThrows(SQLException.class, () -> sink.write(List.of()));
            assertFalse(e.getMessage().contains(PASSWORD) || e.getMessage().contains("wrong-Sentinel"), e.getMessage());
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void verifyFullWithThePrivateCaAndAScramPasswordStoresEvents() throws Exception {
        try (Sink sink = POSTGRESQL.create(POSTGRESQL.configDef().parse(verifyFull("localhost"), "sink"),
                new ComponentContext("secure", "h", null, Clock.systemUTC(), null))) {
            byte[] json = PostgresqlSinkTest.event("9:1:tls", 0, "2026-12-06T10:00:00Z", "over TLS");
            assertEquals(List.of(), sink.write(List.of(new Sink.Record("9:1:tls@0",
                    JsonEvent.parse(json), json))));
        }
        pg.psql("DO $$ BEGIN IF (SELECT count(*) FROM secure.logs WHERE message = 'over TLS') <> 1 THEN"
                + " RAISE EXCEPTION 'row missing'; END IF; END $$");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theExampleOfDocsSecurityMdStoresEvents() throws Exception {
        Map<String, Object> section = Config.readYaml(DocSnippets.yaml(Path.of("..", "docs", "security.md"), "postgresql"),
                DocSnippets.environment(Map.of("PG_PASSWORD", PASSWORD, "POLYBUS_CA_FILE", ca.caFile().toString())));
        Map<String, Object> example = new HashMap<>(((List<Map<String, Object>>) ((Map<String, Object>) section
                .get("sinks")).get("outputs")).get(0));
        example.remove("type");
        example.put("url", "jdbc:postgresql://localhost:" + pg.port() + "/postgres");
        example.put("schema", "secure_example");
        try (Sink sink = POSTGRESQL.create(POSTGRESQL.configDef().parse(example, "sink"),
                new ComponentContext("secure", "h", null, Clock.systemUTC(), null))) {
            assertEquals(List.of(), sink.write(List.of()));
        }
        pg.psql("DROP SCHEMA secure_example CASCADE");
    }

    @Test
    void theKeyTableOfDocsSecurityMdMatchesTheConfigDef() {
        String table = DocSnippets.table(POSTGRESQL.configDef(), "user", "password", "properties");
        assertTrue(DocSnippets.read(Path.of("..", "docs", "security.md")).contains(table),
                "docs/security.md is out of date; paste in:\n" + table);
    }

    @Test
    void wrongPasswordIsNamedWithoutIt() {
        Map<String, Object> config = verifyFull("localhost");
        config.put("password", "wrong-Sentinel-1");
        SQLException e = refused(config);
        assertEquals("PostgreSQL at localhost:" + pg.port() + "/postgres refused the credentials (check user and password):"
                + " FATAL: password authentication failed for user \"shipper\"", e.getMessage());
    }

    @Test
    void wrongCaIsNamed() {
        Path otherCa = TestCa.create(dir.resolve("other"), "another-ca").caFile();
        SQLException e = refused(sink("localhost", Map.of("sslmode", "verify-full", "sslrootcert", otherCa.toString())));
        assertEquals("PostgreSQL at localhost:" + pg.port() + "/postgres: TLS handshake failed: the server's certificate is"
                + " not signed by a CA in sslrootcert '" + otherCa + "'", e.getMessage());
    }

    @Test
    void hostNameMismatchIsNamed() {
        SQLException e = refused(verifyFull("127.0.0.1"));
        assertTrue(e.getMessage().startsWith("PostgreSQL at 127.0.0.1:" + pg.port() + "/postgres: TLS handshake failed: the"
                + " server's certificate does not name the host connected to"), e.getMessage());
    }

    @Test
    void connectingWithoutTlsIsNamed() {
        SQLException e = refused(sink("localhost", Map.of("sslmode", "disable")));
        assertTrue(e.getMessage().startsWith("PostgreSQL at localhost:" + pg.port() + "/postgres requires TLS and the sink"
                + " connected without it ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("); set properties sslmode: verify-full and sslrootcert"), e.getMessage());
    }
}
