package io.polybus.rocketmq;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.PolybusException;
import io.polybus.rocketmq.internal.RocketMqSettings;
import io.polybus.testkit.DocSnippets;
import io.polybus.testkit.RoundTrip;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.remoting.protocol.body.UserInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ACL credentials against a RocketMQ of this class's own with ACL 2.0 authentication and authorization on (a super
 * user made at start-up): the right keys carry messages, wrong or missing ones fail at open in one line naming the
 * broker and the cause, a user without permissions is refused its sends and subscriptions, and the secret appears in
 * no error and no log. TLS is refused with the reason.
 */
class RocketMqSecurityTest {
    private static final String ACCESS_KEY = "shipper";
    private static final String SECRET = "Sentinel-secret-7f3a";
    private static final String WRONG_SECRET = "not-the-Sentinel-9";
    private static final Path SECURITY_MD = Path.of("..", "docs", "security.md");

    private static RocketMqServer server;
    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        logs.start();
        root().addAppender(logs);
        String user = "{\"username\":\"" + ACCESS_KEY + "\",\"password\":\"" + SECRET + "\"}";
        server = RocketMqServer.start("authenticationEnabled=true",
                "authenticationProvider=org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider",
                "authenticationMetadataProvider=org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider",
                "initAuthenticationUser=" + user,
                "authorizationEnabled=true",
                "authorizationProvider=org.apache.rocketmq.auth.authorization.provider.DefaultAuthorizationProvider",
                "authorizationMetadataProvider=org.apache.rocketmq.auth.authorization.provider.LocalAuthorizationMetadataProvider",
                "innerClientAuthenticationCredentials={\"accessKey\":\"" + ACCESS_KEY + "\",\"secretKey\":\"" + SECRET + "\"}");
    }

    @AfterAll
    static void stop() throws Exception {
        root().detachAppender(logs);
        if (server != null) {
            server.close();
        }
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private static Config secured(String accessKey, String secretKey) {
        return server.config("access-key", accessKey, "secret-key", secretKey, "call-timeout", "10s");
    }

    private static PolybusException refused(Config config) {
        return assertThrows(PolybusException.class, () -> Brokers.open(config, new SimpleMeterRegistry()));
    }

    @Test
    void theRightKeysSendAndReceive() throws Exception {
        RoundTrip.check(secured(ACCESS_KEY, SECRET));
    }

    @Test
    void aWrongSecretFailsAtOpenInOneLineWithoutTheSecret() {
        PolybusException e = refused(secured(ACCESS_KEY, WRONG_SECRET));
        assertInstanceOf(AuthenticationException.class, e);
        assertFalse(e.isRetriable());
        assertTrue(e.getMessage().startsWith("RocketMQ broker at " + server.brokerAddress() + " (name server 127.0.0.1:"
                + server.port() + ") refused the credentials of access key 'shipper': "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains(WRONG_SECRET) || e.getMessage().contains(SECRET), e.getMessage());
    }

    @Test
    void anUnknownAccessKeyFailsAtOpen() {
        PolybusException e = refused(secured("stranger", SECRET));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("RocketMQ broker at " + server.brokerAddress() + " (name server 127.0.0.1:"
                + server.port() + ") refused the credentials of access key 'stranger': "), e.getMessage());
    }

    @Test
    void noCredentialsFailAtOpenSayingWhichKeysToSet() {
        PolybusException e = refused(server.config("call-timeout", "10s"));
        assertInstanceOf(AuthenticationException.class, e);
        assertTrue(e.getMessage().startsWith("RocketMQ broker at " + server.brokerAddress() + " (name server 127.0.0.1:"
                + server.port() + ") refused a client without credentials (set access-key and secret-key): "), e.getMessage());
    }

    @Test
    void aSecretWithoutAnAccessKeyIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Brokers.open(server.config("secret-key", WRONG_SECRET), new SimpleMeterRegistry()));
        assertEquals("access-key", e.problems().get(0).key());
        assertFalse(e.getMessage().contains(WRONG_SECRET), e.getMessage());
    }

    @Test
    void tlsIsRefusedWithTheReason() {
        ConfigException tls = assertThrows(ConfigException.class,
                () -> Brokers.open(server.config("tls", "true"), new SimpleMeterRegistry()));
        assertEquals("tls", tls.problems().get(0).key());
        assertTrue(tls.getMessage().contains("JVM-wide system properties"), tls.getMessage());
        ConfigException useTls = assertThrows(ConfigException.class,
                () -> Brokers.open(server.config("rocketmq.useTLS", "true"), new SimpleMeterRegistry()));
        assertEquals("rocketmq.useTLS", useTls.problems().get(0).key());
        assertTrue(useTls.getMessage().contains("JVM-wide system properties"), useTls.getMessage());
    }

    @Test
    void aUserWithoutPermissionsOpensButItsSendAndSubscribeAreRefusedNamingTheAccessKey() throws Exception {
        createUserWithoutPermissions("reader");
        String topic = "no-permission-" + System.nanoTime();
        String refusedBy = "RocketMQ broker at " + server.brokerAddress() + " (name server 127.0.0.1:" + server.port()
                + ") refused access key 'reader' ";
        try (Broker broker = Brokers.open(secured("reader", SECRET), new SimpleMeterRegistry());
             Producer producer = broker.producer()) {
            ExecutionException send = assertThrows(ExecutionException.class,
                    () -> producer.send(Message.builder(topic).payload("x").build()).get(30, TimeUnit.SECONDS));
            PolybusException e = assertInstanceOf(AuthenticationException.class, send.getCause());
            assertFalse(e.isRetriable());
            assertTrue(e.getMessage().startsWith(refusedBy + "sending to topic '" + topic + "': User:reader has no"
                    + " permission"), e.getMessage());

            PolybusException subscribe = assertThrows(PolybusException.class,
                    () -> broker.subscribe(ConsumerOptions.of(topic, "g"), Delivery::ack));
            assertInstanceOf(AuthenticationException.class, subscribe, subscribe.getMessage());
            // Creating the topic is what the broker refuses first; the client's exception for it lacks the address.
            assertTrue(subscribe.getMessage().startsWith("RocketMQ broker (name server 127.0.0.1:" + server.port()
                    + ") refused access key 'reader' subscribing group 'g' to topic '" + topic + "': "), subscribe.getMessage());
        }
    }

    /** A normal user, which the broker's authorization allows nothing, made through the client's admin API. */
    private static void createUserWithoutPermissions(String name) throws Exception {
        DefaultMQProducer admin = new DefaultMQProducer("polybus-test-admin",
                new AclClientRPCHook(new SessionCredentials(ACCESS_KEY, SECRET)));
        admin.setNamesrvAddr("127.0.0.1:" + server.port());
        admin.setInstanceName("polybus-test-admin-" + System.nanoTime());
        admin.start();
        try {
            UserInfo user = new UserInfo();
            user.setUsername(name);
            user.setPassword(SECRET);
            user.setUserType("Normal");
            admin.getDefaultMQProducerImpl().getMqClientFactory().getMQClientAPIImpl()
                    .createUser(server.brokerAddress(), user, 10_000);
        } finally {
            admin.shutdown();
        }
    }

    @Test
    void theExampleOfDocsSecurityMdCarriesMessages() throws Exception {
        Config example = Config.fromYaml(DocSnippets.yaml(SECURITY_MD, "rocketmq"),
                DocSnippets.environment(Map.of("ROCKETMQ_SECRET_KEY", SECRET))).section("broker");
        RoundTrip.check(example.with("name-server", "127.0.0.1:" + server.port()));
    }

    @Test
    void theKeyTablesOfTheDocsMatchTheConfigDef() {
        String table = DocSnippets.table(RocketMqSettings.CONFIG, "access-key", "secret-key", "tls");
        assertTrue(DocSnippets.read(SECURITY_MD).contains(table), "docs/security.md is out of date; paste in:\n" + table);
    }

    @Test
    void theSecretAppearsInNoLog() throws Exception {
        RoundTrip.check(secured(ACCESS_KEY, SECRET));
        refused(secured(ACCESS_KEY, WRONG_SECRET));
        List<String> events = List.copyOf(logs.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(events.stream().noneMatch(m -> m.contains(SECRET) || m.contains(WRONG_SECRET)), "a log line shows a secret");
        Path clientLogs = Path.of(System.getProperty("rocketmq.log.root",
                System.getProperty("user.home") + "/logs/rocketmqlogs"));
        assertNotIn(clientLogs, SECRET);
        assertNotIn(clientLogs, WRONG_SECRET);
        // The broker prints its own configuration (the user it was given) at start-up, but never a client's secret.
        assertNotIn(server.logs(), WRONG_SECRET);
    }

    private static void assertNotIn(Path dir, String secret) throws Exception {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertFalse(text.contains(secret), f + " shows a secret");
            }
        }
    }
}
