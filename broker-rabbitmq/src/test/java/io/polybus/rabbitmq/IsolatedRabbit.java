package io.polybus.rabbitmq;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A RabbitMQ node of its own (own node name, ports, HOME, mnesia and log directories) for tests that stop and
 * restart the broker; the shared node on 5672 is never touched. Needs the Debian rabbitmq-server package.
 */
final class IsolatedRabbit implements AutoCloseable {
    private static final String BIN = "/usr/lib/rabbitmq/bin/";

    private final Path dir;
    private final String node;
    private final int port;
    private final Map<String, String> env;
    private boolean running;

    private IsolatedRabbit(Path dir, String node, int port, int distPort) {
        this.dir = dir;
        this.node = node;
        this.port = port;
        this.env = Map.of("HOME", dir.toString(), "RABBITMQ_NODENAME", node, "RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1",
                "RABBITMQ_NODE_PORT", Integer.toString(port), "RABBITMQ_DIST_PORT", Integer.toString(distPort),
                "RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString(), "RABBITMQ_LOG_BASE", dir.resolve("log").toString(),
                "RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString(),
                "RABBITMQ_PID_FILE", dir.resolve("rabbit.pid").toString(),
                // The system's rabbitmq.conf pins the listener to the shared node's port.
                "RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
    }

    static boolean available() {
        return Files.isExecutable(Path.of(BIN, "rabbitmq-server"));
    }

    /** Starts a new node on free ports and waits until it accepts AMQP. */
    static IsolatedRabbit start() throws Exception {
        return start(List.of(), "");
    }

    /**
     * Starts a new node on free ports with {@code plugins} enabled and {@code extraConfig} (rabbitmq.conf lines)
     * after its AMQP listener, and waits until it accepts AMQP.
     */
    static IsolatedRabbit start(List<String> plugins, String extraConfig) throws Exception {
        Path dir = Files.createTempDirectory("polybus-rabbit-");
        Files.writeString(dir.resolve("enabled_plugins"), "[" + String.join(",", plugins) + "].");
        int port = freePort();
        Files.writeString(dir.resolve("rabbitmq.conf"), "listeners.tcp.local = 127.0.0.1:" + port + "\n" + extraConfig);
        IsolatedRabbit rabbit = new IsolatedRabbit(dir, "polybus-" + ProcessHandle.current().pid() + "@localhost",
                port, freePort());
        try {
            rabbit.startNode();
        } catch (Exception e) {
            rabbit.close();
            throw e;
        }
        return rabbit;
    }

    int port() {
        return port;
    }

    /** Starts the (stopped) node again, with its data. */
    void startNode() throws Exception {
        run(List.of(BIN + "rabbitmq-server", "-detached"), 30);
        running = true;
        run(List.of(BIN + "rabbitmqctl", "-n", node, "wait", dir.resolve("rabbit.pid").toString(), "--timeout", "90"), 120);
    }

    /** Stops the node (a clean shutdown, as an operator would). */
    void stopNode() throws Exception {
        run(List.of(BIN + "rabbitmqctl", "-n", node, "shutdown"), 90);
        running = false;
    }

    /** Raises (watermark 0: RabbitMQ blocks every publishing connection) or clears the memory alarm. */
    void memoryAlarm(boolean raised) throws Exception {
        run(List.of(BIN + "rabbitmqctl", "-n", node, "set_vm_memory_high_watermark", raised ? "0" : "0.4"), 60);
    }

    /** Runs {@code rabbitmqctl} against this node, e.g. {@code ctl("add_user", "u", "p")}. */
    void ctl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(BIN + "rabbitmqctl", "-n", node));
        command.addAll(List.of(arguments));
        run(command, 60);
    }

    private void run(List<String> command, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("commands.log").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not finish in " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(command + " failed: " + Files.readString(dir.resolve("commands.log")));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (running) {
                run(List.of(BIN + "rabbitmqctl", "-n", node, "shutdown"), 90);
            }
        } catch (IllegalStateException e) {
            stopByPid();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The node did not answer the CLI (e.g. it failed to boot): stop the process this test started. */
    private void stopByPid() throws IOException {
        Path pidFile = dir.resolve("rabbit.pid");
        if (Files.exists(pidFile)) {
            ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).ifPresent(ProcessHandle::destroy);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
