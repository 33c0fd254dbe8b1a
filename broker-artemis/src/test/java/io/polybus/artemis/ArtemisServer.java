package io.polybus.artemis;

import io.polybus.Config;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An ActiveMQ Artemis broker of a test's own: an instance created with {@code artemis create} in a temporary
 * directory, listening on a free port of 127.0.0.1 (one acceptor, CORE protocol among others), login required,
 * run in a JVM of its own. The distribution comes from Maven Central: the build unpacks
 * {@code org.apache.activemq:apache-artemis:tar.gz:bin} and names it in the system property {@code artemis.home}
 * (the parent pom's {@code unpack-artemis} execution). Stopping and starting it again keeps its data, so tests can
 * restart the broker under running producers and consumers.
 *
 * <p>Not thread-safe: one test drives one server.
 */
public final class ArtemisServer implements AutoCloseable {
    public static final String USER = "polybus";
    public static final String PASSWORD = "polybus-test-secret";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final String READY = "AMQ221007";

    private final Path dir;
    private final Path instance;
    private final int port;
    private Process process;
    private int runs;

    private ArtemisServer(Path dir, int port) {
        this.dir = dir;
        this.instance = dir.resolve("broker");
        this.port = port;
    }

    /** Creates an instance on a free port and starts it; returns once it accepts connections. */
    public static ArtemisServer start() throws Exception {
        return start(List.of());
    }

    /**
     * Creates an instance on a free port with more acceptors, each an acceptor URL such as
     * {@code tcp://127.0.0.1:61617?sslEnabled=true;keyStorePath=...}, and starts it.
     */
    public static ArtemisServer start(List<String> acceptors) throws Exception {
        Path home = home();
        Path dir = Files.createTempDirectory("polybus-artemis-");
        ArtemisServer server = new ArtemisServer(dir, freePort());
        try {
            server.run(List.of("sh", home.resolve("bin").resolve("artemis").toString(), "create",
                    "--user", USER, "--password", PASSWORD, "--require-login", "--silent", "--host", "127.0.0.1",
                    "--default-port", Integer.toString(server.port), "--no-web", "--no-amqp-acceptor",
                    "--no-mqtt-acceptor", "--no-stomp-acceptor", "--no-hornetq-acceptor", "--nio", "--no-autotune",
                    "--no-fsync", "--java-memory", "512M", server.instance.toString()));
            server.addAcceptors(acceptors);
            server.startBroker();
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void addAcceptors(List<String> urls) throws IOException {
        Path brokerXml = instance.resolve("etc").resolve("broker.xml");
        StringBuilder added = new StringBuilder();
        for (int i = 0; i < urls.size(); i++) {
            added.append("<acceptor name=\"extra-").append(i).append("\">")
                    .append(urls.get(i).replace("&", "&amp;")).append("</acceptor>\n");
        }
        String xml = Files.readString(brokerXml);
        if (!xml.contains("</acceptors>")) {
            throw new IllegalStateException("no </acceptors> in " + brokerXml);
        }
        Files.writeString(brokerXml, xml.replace("</acceptors>", added + "</acceptors>"));
    }

    /** The distribution the build unpacked. */
    static Path home() {
        String home = System.getProperty("artemis.home");
        if (home == null || !Files.isRegularFile(Path.of(home, "bin", "artemis"))) {
            throw new IllegalStateException("no Artemis distribution at system property artemis.home (" + home + "): run the"
                    + " tests through Maven, whose unpack-artemis execution fetches it from Maven Central");
        }
        return Path.of(home);
    }

    public int port() {
        return port;
    }

    /** The broker section for this server, plus {@code extra} key-value pairs. */
    public Config config(String... extra) {
        Config c = Config.of("type", "artemis", "host", "127.0.0.1", "port", Integer.toString(port),
                "username", USER, "password", PASSWORD);
        for (int i = 0; i < extra.length; i += 2) {
            c = c.with(extra[i], extra[i + 1]);
        }
        return c;
    }

    /** Starts the (stopped) broker again, with its data; returns once it is active. */
    public void startBroker() throws Exception {
        Path log = dir.resolve("run-" + ++runs + ".log");
        process = new ProcessBuilder("sh", instance.resolve("bin").resolve("artemis").toString(), "run")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!Files.readString(log).contains(READY)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Artemis exited while starting: " + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Artemis not active after " + START_TIMEOUT + ": " + Files.readString(log));
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** Stops the broker as an operator would (SIGTERM: it closes its connections and journal). */
    public void stopBroker() throws InterruptedException {
        Process p = process;
        process = null;
        if (p == null) {
            return;
        }
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private void run(List<String> command) throws Exception {
        Path log = dir.resolve("commands.log");
        Process p = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not finish in 120 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(command + " failed: " + Files.readString(log));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stopBroker();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
