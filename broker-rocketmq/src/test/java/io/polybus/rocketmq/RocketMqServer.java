package io.polybus.rocketmq;

import io.polybus.Config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A RocketMQ name server and broker of a test's own, on free ports of 127.0.0.1 (within {@code POLYBUS_TEST_PORTS},
 * e.g. {@code 31200-31299}, when that is set, for machines where each session has a range), started and stopped with the
 * project's {@code scripts/brokers} (so tests run the server users run, from Maven Central jars). Stopping and
 * starting it again keeps its store; {@link #close()} stops it and deletes its directory.
 *
 * <p>Not thread-safe: one test drives one server.
 */
public final class RocketMqServer implements AutoCloseable {
    private static final Path SCRIPT = Path.of("..", "scripts", "brokers").toAbsolutePath().normalize();

    private final int port;
    private final int brokerPort;
    private final Path home;
    private final Path log;
    private final String brokerConfig;

    private RocketMqServer(int port, int brokerPort, String brokerConfig) throws IOException {
        this.port = port;
        this.brokerPort = brokerPort;
        this.brokerConfig = brokerConfig;
        String env = System.getenv("POLYBUS_BROKERS_HOME");
        this.home = env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".polybus", "brokers");
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        this.log = target.resolve("rocketmq-" + port + ".log");
    }

    /**
     * Starts a name server and a broker on free ports and returns once the broker registered.
     *
     * @param brokerSettings lines {@code name=value} added to the broker's configuration
     */
    public static RocketMqServer start(String... brokerSettings) throws Exception {
        int port = freePort();
        RocketMqServer server = new RocketMqServer(port, freeBrokerPort(port), String.join("\n", brokerSettings));
        try {
            server.startBroker();
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** The broker's address, {@code 127.0.0.1:port}. */
    public String brokerAddress() {
        return "127.0.0.1:" + brokerPort;
    }

    /** The directory of the broker's and the name server's logs. */
    public Path logs() {
        return home.resolve("rocketmq-" + port).resolve("logs");
    }

    /** The name server's port. */
    public int port() {
        return port;
    }

    /** The broker section for this server, plus {@code extra} key-value pairs. */
    public Config config(String... extra) {
        Config c = Config.of("type", "rocketmq", "name-server", "127.0.0.1:" + port);
        for (int i = 0; i < extra.length; i += 2) {
            c = c.with(extra[i], extra[i + 1]);
        }
        return c;
    }

    /** Starts both processes (again, with their store); returns once the broker registered with the name server. */
    public void startBroker() throws Exception {
        brokers("up");
    }

    /** Stops the broker and the name server as an operator would (SIGTERM). */
    public void stopBroker() throws Exception {
        brokers("down");
    }

    /** Freezes the broker process (SIGSTOP): its connections stay open and nothing it is asked is answered. */
    public void pauseBroker() throws Exception {
        signalBroker("STOP");
    }

    /** Lets a {@link #pauseBroker() paused} broker run again (SIGCONT). */
    public void resumeBroker() throws Exception {
        signalBroker("CONT");
    }

    private void signalBroker(String signal) throws Exception {
        String pid = Files.readString(home.resolve("rocketmq-" + port).resolve("broker.pid")).trim();
        Process p = new ProcessBuilder("kill", "-" + signal, pid).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: "
                    + new String(p.getInputStream().readAllBytes()));
        }
    }

    private void brokers(String action) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), action, "rocketmq").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("ROCKETMQ_PORT", Integer.toString(port));
        env.put("ROCKETMQ_BROKER_PORT", Integer.toString(brokerPort));
        env.put("POLYBUS_BROKERS_HOME", home.toString());
        env.put("ROCKETMQ_BROKER_CONFIG", brokerConfig);
        Process p = builder.start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(SCRIPT + " " + action + " rocketmq did not finish in 600 s; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(SCRIPT + " " + action + " rocketmq failed; see " + log + ":\n" + Files.readString(log));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stopBroker();
        } finally {
            Path dir = home.resolve("rocketmq-" + port);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    /** A free port, in {@code POLYBUS_TEST_PORTS} when that is set. */
    private static int freePort() throws IOException {
        int[] range = testPorts();
        if (range == null) {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        }
        int size = range[1] - range[0] + 1;
        int start = ThreadLocalRandom.current().nextInt(size);
        for (int i = 0; i < size; i++) {
            int p = range[0] + (start + i) % size;
            if (bindable(p)) {
                return p;
            }
        }
        throw new IOException("no free port in POLYBUS_TEST_PORTS " + range[0] + "-" + range[1]);
    }

    /**
     * A free port p whose neighbours p - 2 (the broker's second listener) and p + 1 (its HA port) are free too, none
     * of them the name server's {@code port} (not bound yet).
     */
    private static int freeBrokerPort(int port) throws IOException {
        int[] range = testPorts();
        int low = range == null ? 1027 : range[0] + 2;
        int high = range == null ? 65534 : range[1] - 1;
        for (int i = 0; i < 100; i++) {
            int p = freePort();
            if (p >= low && p <= high && port != p && port != p - 2 && port != p + 1 && bindable(p - 2) && bindable(p + 1)) {
                return p;
            }
        }
        throw new IOException("no free port p with p - 2 and p + 1 free for the RocketMQ broker");
    }

    /** The ports of {@code POLYBUS_TEST_PORTS} ({@code low-high}), or null when it is not set. */
    private static int[] testPorts() throws IOException {
        String range = System.getenv("POLYBUS_TEST_PORTS");
        if (range == null || range.isBlank()) {
            return null;
        }
        String[] bounds = range.trim().split("-", 2);
        try {
            int low = Integer.parseInt(bounds[0].trim());
            int high = Integer.parseInt(bounds[bounds.length - 1].trim());
            if (low < 1024 || high > 65535 || high - low < 3) {
                throw new NumberFormatException();
            }
            return new int[] {low, high};
        } catch (NumberFormatException e) {
            throw new IOException("POLYBUS_TEST_PORTS must be a range of at least 4 ports like 31200-31299, was '"
                    + range + "'");
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
