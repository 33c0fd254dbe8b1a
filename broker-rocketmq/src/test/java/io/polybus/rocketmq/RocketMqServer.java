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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A RocketMQ name server and broker of a test's own, on free ports of 127.0.0.1, started and stopped with the
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
        RocketMqServer server = new RocketMqServer(freePort(), freeBrokerPort(), String.join("\n", brokerSettings));
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A free port p whose neighbours p - 2 (the broker's second listener) and p + 1 (its HA port) are free too. */
    private static int freeBrokerPort() throws IOException {
        for (int i = 0; i < 100; i++) {
            int p = freePort();
            if (p > 1026 && p < 65535 && bindable(p - 2) && bindable(p + 1)) {
                return p;
            }
        }
        throw new IOException("no free port p with p - 2 and p + 1 free for the RocketMQ broker");
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
