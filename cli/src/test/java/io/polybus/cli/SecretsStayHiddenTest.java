package io.polybus.cli;

import io.polybus.testkit.OwnPostgres;
import io.polybus.testkit.TestCa;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every secret of a configuration set to a sentinel value, then the agent (with a syslog source over TLS, the
 * monitor, a webhook and an Alertmanager notifier), {@code sink} (a postgresql sink with a password, on a PostgreSQL
 * of the test's own that checks it), {@code validate}, {@code produce} and {@code consume} run as a user runs them, in
 * JVMs of their own with debug logging, against a redis-server of the test's own (TLS, a password, a client key
 * with a password of its own); also with wrong secrets, so that the errors are shown. No sentinel may appear in any
 * output, log, error message, {@code validate} output, {@code /metrics} or {@code /health}.
 */
class SecretsStayHiddenTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String REDIS_PASSWORD = "Sentinel-redis-7Q2";
    private static final String KEY_PASSWORD = "Sentinel-keypw-8R3";
    private static final String STORE_PASSWORD = "Sentinel-store-9S4";
    private static final String METRICS_PASSWORD = "Sentinel-metrics-1T5";
    private static final String WEBHOOK_TOKEN = "Sentinel-url-2U6";
    private static final String HEADER_TOKEN = "Sentinel-header-3V7";
    private static final String WRONG_PASSWORD = "Sentinel-wrong-4W8";
    private static final String PG_PASSWORD = "Sentinel-pg-5X9";
    private static final String ALERTMANAGER_TOKEN = "Sentinel-bearer-6Y0";
    private static final List<String> SENTINELS = List.of(REDIS_PASSWORD, KEY_PASSWORD, STORE_PASSWORD, METRICS_PASSWORD,
            WEBHOOK_TOKEN, HEADER_TOKEN, WRONG_PASSWORD, PG_PASSWORD, ALERTMANAGER_TOKEN);

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();
    private OwnPostgres postgres;
    /** Everything shown: outputs of the commands, responses of the endpoints. */
    private final StringBuilder seen = new StringBuilder();

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Map<String, String> environment(String redisPassword) {
        Map<String, String> env = new HashMap<>();
        env.put("POLYBUS_LOG_LEVEL", "DEBUG");
        env.put("REDIS_PASSWORD", redisPassword);
        env.put("PG_PASSWORD", PG_PASSWORD);
        env.put("KEY_PASSWORD", KEY_PASSWORD);
        env.put("STORE_PASSWORD", STORE_PASSWORD);
        env.put("METRICS_PASSWORD", METRICS_PASSWORD);
        env.put("WEBHOOK_URL", "http://127.0.0.1:1/hooks/" + WEBHOOK_TOKEN);
        env.put("WEBHOOK_AUTHORIZATION", "Bearer " + HEADER_TOKEN);
        env.put("ALERTMANAGER_TOKEN", ALERTMANAGER_TOKEN);
        return env;
    }

    private Process polybus(Path output, Map<String, String> env, String... arguments) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The shipped logging configuration (debug through POLYBUS_LOG_LEVEL), not the tests' one on the class path.
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-Dlogback.configurationFile="
                + Path.of("target", "classes", "logback.xml").toAbsolutePath(), "-cp", System.getProperty("java.class.path"),
                PolybusMain.class.getName()));
        command.addAll(List.of(arguments));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** Runs a command to its end; its output joins what was seen. */
    private int run(String name, Map<String, String> env, String... arguments) throws Exception {
        Path output = dir.resolve(name + ".out");
        Process p = polybus(output, env, arguments);
        assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), name + " ends");
        seen.append(Files.readString(output));
        return p.exitValue();
    }

    private HttpResponse<String> get(HttpClient http, int port, String path, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (password != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    ("prometheus:" + password).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        seen.append(response.headers().map()).append(response.body());
        return response;
    }

    @Test
    void noSentinelIsShownAnywhere() throws Exception {
        TestCa ca = TestCa.create(dir.resolve("ca"), "polybus-secrets-test-ca");
        TestCa.Issued redisCert = ca.server("localhost");
        TestCa.Issued client = ca.client("shipper");
        TestCa.Issued syslogCert = ca.server("localhost");
        int redisPort = freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", "0", "--bind", "127.0.0.1", "--tls-port",
                Integer.toString(redisPort), "--tls-cert-file", redisCert.certFile().toString(), "--tls-key-file",
                redisCert.keyFile().toString(), "--tls-ca-cert-file", ca.caFile().toString(), "--tls-auth-clients", "yes",
                "--requirepass", REDIS_PASSWORD, "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        processes.add(redis);
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", redisPort), 1000);
                return true;
            }
        });

        // The sink's store checks passwords (SCRAM), unlike the machine's shared PostgreSQL; /tmp lets postgres in.
        postgres = OwnPostgres.start(Files.createTempDirectory("polybus-secrets-pg"), List.of("password_encryption ="
                + " 'scram-sha-256'"), List.of("local all postgres trust", "host all shipper 127.0.0.1/32 scram-sha-256"));
        postgres.psql("CREATE USER shipper PASSWORD '" + PG_PASSWORD + "'; GRANT CREATE ON DATABASE postgres TO shipper");

        int syslogPort = freePort();
        int metricsPort = freePort();
        String prefix = "polybus-secrets-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        Path config = dir.resolve("polybus.yaml");
        Files.writeString(config, """
                broker:
                  type: redis
                  host: localhost
                  port: %d
                  tls: true
                  tls.ca-file: '%s'
                  tls.cert-file: '%s'
                  tls.key-file: '%s'
                  tls.key-password: ${KEY_PASSWORD}
                  password: ${REDIS_PASSWORD}
                  key-prefix: '%s'
                  connect-timeout: 2s
                agent:
                  data-dir: '%s'
                sources:
                  - name: syslog-tls
                    type: syslog
                    protocol: tcp
                    listen: 127.0.0.1:%d
                    tls: true
                    tls.key-store: '%s'
                    tls.key-store-password: ${STORE_PASSWORD}
                monitor:
                  topic: logs
                  group: secrets-monitor
                  time: arrival
                  rules:
                    - name: any-event
                      type: match
                      where: [{field: message, contains: hello}]
                  notifiers:
                    - type: webhook
                      url: ${WEBHOOK_URL}
                      headers: {Authorization: '${WEBHOOK_AUTHORIZATION}'}
                      retries: 0
                      timeout: 1s
                    - type: alertmanager
                      url: ${WEBHOOK_URL}
                      bearer-token: ${ALERTMANAGER_TOKEN}
                      retries: 0
                      timeout: 1s
                metrics:
                  port: %d
                  username: prometheus
                  password: ${METRICS_PASSWORD}
                """.formatted(redisPort, ca.caFile(), client.certFile(), client.encryptedKeyFile(KEY_PASSWORD), prefix,
                dir.resolve("data"), syslogPort, syslogCert.keyStore(STORE_PASSWORD), metricsPort));
        // The sink process has a file of its own (a file runs every section it has): the broker, the sink, metrics.
        String text = Files.readString(config);
        Path sinkConfig = dir.resolve("sink.yaml");
        Files.writeString(sinkConfig, text.substring(0, text.indexOf("agent:\n")) + """
                sinks:
                  topic: logs
                  group: secrets-sink
                  start-from: earliest
                  retry-backoff: 100ms
                  retry-backoff-max: 500ms
                  outputs:
                    - type: postgresql
                      name: pg
                      url: jdbc:postgresql://127.0.0.1:%d/postgres
                      user: shipper
                      password: ${PG_PASSWORD}
                      schema: secrets
                """.formatted(postgres.port()) + text.substring(text.indexOf("metrics:\n")));
        Map<String, String> env = environment(REDIS_PASSWORD);

        assertEquals(0, run("validate", env, "validate", "-c", config.toString()), seen.toString());
        assertEquals(0, run("validate-sink", env, "validate", "-c", sinkConfig.toString()), seen.toString());

        Path agentLog = dir.resolve("agent.out");
        Process agent = polybus(agentLog, env, "agent", "-c", config.toString());
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(WAIT).ignoreExceptions().until(() -> get(http, metricsPort, "/health", METRICS_PASSWORD)
                .statusCode() == 200);
        sendSyslogOverTls(ca, syslogPort, "hello over TLS");
        try {
            await().atMost(WAIT).until(() -> PrometheusText.value(get(http, metricsPort, "/metrics", METRICS_PASSWORD)
                    .body(), "polybus_agent_events_acked_total", Map.of("source", "syslog-tls")) == 1.0);
        } catch (ConditionTimeoutException e) {
            String metrics = get(http, metricsPort, "/metrics", METRICS_PASSWORD).body().lines()
                    .filter(l -> l.startsWith("polybus_agent")).collect(java.util.stream.Collectors.joining("\n"));
            throw new AssertionError("the syslog event was not acked; the agent's metrics:\n" + metrics + "\nits log:\n"
                    + Files.readString(agentLog), e);
        }
        await().atMost(WAIT).until(() -> Files.readString(agentLog).contains("could not deliver"));
        assertEquals(401, get(http, metricsPort, "/metrics", WRONG_PASSWORD).statusCode());
        assertEquals(401, get(http, metricsPort, "/health", null).statusCode());
        get(http, metricsPort, "/health", METRICS_PASSWORD);
        agent.destroy();
        assertTrue(agent.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the agent stops on SIGTERM");
        seen.append(Files.readString(agentLog));

        Path sinkLog = dir.resolve("sink.out");
        Process sink = polybus(sinkLog, env, "sink", "-c", sinkConfig.toString());
        try {
            await().atMost(WAIT).ignoreExceptions().until(() -> PrometheusText.value(get(http, metricsPort, "/metrics",
                    METRICS_PASSWORD).body(), "polybus_sink_events_total", Map.of("sink", "pg")) == 1.0);
        } catch (ConditionTimeoutException e) {
            String metrics = get(http, metricsPort, "/metrics", METRICS_PASSWORD).body().lines()
                    .filter(l -> l.startsWith("polybus_sink")).collect(java.util.stream.Collectors.joining("\n"));
            throw new AssertionError("the sink did not store the syslog event; its metrics:\n" + metrics + "\nits log:\n"
                    + Files.readString(sinkLog), e);
        }
        get(http, metricsPort, "/health", METRICS_PASSWORD);
        sink.destroy();
        assertTrue(sink.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the sink stops on SIGTERM");
        seen.append(Files.readString(sinkLog));

        Map<String, String> wrongPg = new HashMap<>(env);
        wrongPg.put("PG_PASSWORD", WRONG_PASSWORD);
        // A group of its own, which reads the event again and so connects (the sink connects at its first write).
        Path againConfig = dir.resolve("sink-again.yaml");
        Files.writeString(againConfig, Files.readString(sinkConfig).replace("group: secrets-sink", "group: secrets-again"));
        Path wrongSinkLog = dir.resolve("sink-wrong-password.out");
        Process wrongSink = polybus(wrongSinkLog, wrongPg, "sink", "-c", againConfig.toString());
        await().atMost(WAIT).until(() -> Files.readString(wrongSinkLog).contains("PostgreSQL at 127.0.0.1:" + postgres.port()
                + "/postgres refused the credentials"));
        get(http, metricsPort, "/health", METRICS_PASSWORD);
        get(http, metricsPort, "/metrics", METRICS_PASSWORD);
        wrongSink.destroy();
        assertTrue(wrongSink.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the sink stops on SIGTERM");
        seen.append(Files.readString(wrongSinkLog));

        assertEquals(0, run("produce", env, "produce", "-c", config.toString(), "-t", "secrets", "a message"), seen.toString());
        assertEquals(0, run("consume", env, "consume", "-c", config.toString(), "-t", "secrets", "--from", "earliest",
                "-n", "1"), seen.toString());
        assertTrue(seen.toString().contains("a message"), seen.toString());

        Map<String, String> wrong = environment(WRONG_PASSWORD);
        assertNotEquals(0, run("produce-wrong-password", wrong, "produce", "-c", config.toString(), "-t", "secrets", "x"));
        assertTrue(seen.toString().contains("refused the credentials"), seen.toString());
        assertNotEquals(0, run("agent-wrong-password", wrong, "agent", "-c", config.toString()));
        Map<String, String> wrongKey = new HashMap<>(env);
        wrongKey.put("KEY_PASSWORD", WRONG_PASSWORD);
        assertNotEquals(0, run("consume-wrong-key-password", wrongKey, "consume", "-c", config.toString(), "-t", "secrets",
                "-n", "1"));
        assertTrue(seen.toString().contains("tls.key-password: '[hidden]'"), seen.toString());
        Files.writeString(dir.resolve("bad.yaml"), Files.readString(config).replace("username: prometheus\n", ""));
        assertNotEquals(0, run("validate-bad", env, "validate", "-c", dir.resolve("bad.yaml").toString()));

        seen.append(Files.readString(dir.resolve("redis.log"))).append(Files.readString(postgres.log()));
        for (String sentinel : SENTINELS) {
            assertTrue(!seen.toString().contains(sentinel), sentinel + " was shown:\n" + seen);
        }
    }

    private static void sendSyslogOverTls(TestCa ca, int port, String message) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ca.trustStore("trust-pw"))) {
            trust.load(in, "trust-pw".toCharArray());
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        String body = "<13>1 - web1 app - - - " + message;
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            socket.getOutputStream().write((body.getBytes(StandardCharsets.UTF_8).length + " " + body)
                    .getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
        }
    }
}
