package io.polybus.sinks.internal.opensearch;

import io.polybus.testkit.TestCa;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A single-node OpenSearch 2.19 with its security plug-in, of a test class's own: HTTPS with a certificate from a
 * {@link TestCa} (client certificates checked when offered), HTTP basic authentication against the plug-in's
 * internal users (its demo file: user {@code admin}, password {@code admin}), in a JVM of its own. The node's jars
 * are those of {@code scripts/servers/opensearch/pom.xml}; the plug-in comes as its zip from Maven Central
 * (2.19.4.0: no 2.19.6.0 is published there; a plug-in on the class path is not checked against the node's version).
 * Both are fetched with the project's Maven wrapper once per build, into {@code target/}.
 *
 * <p>Not thread-safe: one test class drives one node.
 */
final class SecureOpenSearch implements AutoCloseable {
    static final String USER = "admin";
    static final String PASSWORD = "admin";
    private static final String PLUGIN = "org.opensearch.plugin:opensearch-security:2.19.4.0:zip";
    private static final Path TARGET = Path.of("target", "opensearch-secure").toAbsolutePath();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(300);

    private final Path home;
    private final int port;
    private final Process process;
    private final HttpClient http;

    private SecureOpenSearch(Path home, int port, Process process, HttpClient http) {
        this.home = home;
        this.port = port;
        this.process = process;
        this.http = http;
    }

    /** Starts a node whose HTTPS certificate names only {@code localhost}, and waits until it is ready. */
    static SecureOpenSearch start(TestCa ca) throws Exception {
        String classpath = classpath();
        int port = LocalOpenSearch.freePort();
        int transportPort = LocalOpenSearch.freePort();
        Path home = Files.createTempDirectory(Files.createDirectories(TARGET), "node-");
        Path config = Files.createDirectories(home.resolve("config"));
        Path security = Files.createDirectories(config.resolve("opensearch-security"));
        try (Stream<Path> files = Files.list(TARGET.resolve("plugin").resolve("config"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
                Files.copy(f, security.resolve(f.getFileName()));
            }
        }
        TestCa.Issued node = ca.server("localhost");
        Files.copy(node.certFile(), config.resolve("node.pem"));
        Files.copy(node.keyFile(), config.resolve("node.key"));
        Files.copy(ca.caFile(), config.resolve("ca.pem"));
        Files.writeString(config.resolve("opensearch.yml"), String.join("\n",
                "cluster.name: polybus-secure",
                "node.name: polybus-secure",
                "path.data: " + home.resolve("data"),
                "path.logs: " + home.resolve("logs"),
                "discovery.type: single-node",
                "network.host: 127.0.0.1",
                "http.port: " + port,
                "transport.port: " + transportPort,
                "cluster.routing.allocation.disk.threshold_enabled: false",
                "plugins.security.ssl.transport.pemcert_filepath: node.pem",
                "plugins.security.ssl.transport.pemkey_filepath: node.key",
                "plugins.security.ssl.transport.pemtrustedcas_filepath: ca.pem",
                "plugins.security.ssl.transport.enforce_hostname_verification: false",
                "plugins.security.ssl.http.enabled: true",
                "plugins.security.ssl.http.pemcert_filepath: node.pem",
                "plugins.security.ssl.http.pemkey_filepath: node.key",
                "plugins.security.ssl.http.pemtrustedcas_filepath: ca.pem",
                "plugins.security.ssl.http.clientauth_mode: OPTIONAL",
                "plugins.security.allow_default_init_securityindex: true",
                "plugins.security.nodes_dn: [\"CN=localhost\"]",
                "plugins.security.authcz.admin_dn: [\"CN=polybus-admin\"]",
                "plugins.security.audit.type: noop", ""));
        Files.writeString(config.resolve("log4j2.properties"), String.join("\n",
                "status = warn",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = " + home.resolve("logs").resolve("opensearch.log"),
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = [%d{ISO8601}][%-5p][%c{1.}] %m%n",
                "rootLogger.level = info",
                "rootLogger.appenderRef.file.ref = file", ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path main = Path.of("src", "test", "resources", "opensearch", "SecureOpenSearchNode.java").toAbsolutePath();
        Process process = new ProcessBuilder(java, "-Xms512m", "-Xmx512m",
                "-Dopensearch.set.netty.runtime.available.processors=false",
                "-Dlog4j2.configurationFile=" + config.resolve("log4j2.properties"), "-cp", classpath, main.toString(),
                home.toString()).redirectErrorStream(true).redirectOutput(home.resolve("node.out").toFile()).start();
        SecureOpenSearch started = new SecureOpenSearch(home, port, process, client(ca));
        try {
            started.awaitReady();
        } catch (Exception e) {
            started.close();
            throw e;
        }
        return started;
    }

    int port() {
        return port;
    }

    /** The documents in {@code index} after a refresh, asked as {@link #USER}. */
    long count(String index) throws Exception {
        send("POST", "/" + index + "/_refresh");
        String answer = send("GET", "/" + index + "/_count").body();
        return Long.parseLong(answer.replaceAll(".*\"count\":(\\d+).*", "$1"));
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD)
                        .getBytes(StandardCharsets.UTF_8)))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the secure OpenSearch exited: " + log());
            }
            try {
                if (send("GET", "/_cluster/health?wait_for_status=yellow&timeout=1s").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet, or not yet answering.
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the secure OpenSearch is not ready after " + START_TIMEOUT + ": " + log());
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    private String log() throws IOException {
        Path out = home.resolve("node.out");
        Path log = home.resolve("logs").resolve("opensearch.log");
        String text = (Files.exists(out) ? Files.readString(out) : "") + (Files.exists(log) ? Files.readString(log) : "");
        return text.substring(Math.max(0, text.length() - 4000));
    }

    /** The node's class path: OpenSearch's jars and the plug-in's (without its copies of what the node brings). */
    private static synchronized String classpath() throws Exception {
        Path classpath = TARGET.resolve("classpath.txt");
        Path plugin = TARGET.resolve("plugin");
        Path pom = Path.of("..", "scripts", "servers", "opensearch", "pom.xml").toAbsolutePath().normalize();
        if (!Files.exists(classpath)) {
            maven("-f", pom.toString(), "dependency:build-classpath", "-Dmdep.outputFile=" + classpath);
        }
        if (!Files.isDirectory(plugin.resolve("config"))) {
            maven("-f", pom.toString(), "dependency:unpack", "-Dartifact=" + PLUGIN, "-DoutputDirectory=" + plugin);
        }
        List<String> entries = new ArrayList<>(List.of(Files.readString(classpath).trim()));
        try (Stream<Path> jars = Files.list(plugin)) {
            entries.addAll(jars.map(Path::toString).filter(j -> j.endsWith(".jar"))
                    .filter(j -> !j.contains("netty-") && !j.contains("transport-netty4")).sorted().toList());
        }
        return entries.stream().collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private static void maven(String... arguments) throws Exception {
        Path wrapper = Path.of("..", "mvnw").toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of(wrapper.toString(), "-B", "-ntp", "-q"));
        command.addAll(List.of(arguments));
        Path log = Files.createDirectories(TARGET).resolve("maven.log");
        Process p = new ProcessBuilder(command).directory(wrapper.getParent().toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " failed: " + Files.readString(log));
        }
    }

    private static HttpClient client(TestCa ca) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ca.trustStore("trust-pw"))) {
            trust.load(in, "trust-pw".toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Stops the node (SIGTERM) and deletes its folder. */
    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
