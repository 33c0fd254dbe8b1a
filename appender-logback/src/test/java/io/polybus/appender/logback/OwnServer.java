package io.polybus.appender.logback;

import io.polybus.Config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A broker server of a test's own, on free ports in a temporary directory, that the test may stop and start again
 * with its data; the shared servers are never touched.
 */
abstract class OwnServer implements AutoCloseable {
    final Path dir;
    final int port;

    OwnServer(int port) throws IOException {
        this.port = port;
        this.dir = Files.createTempDirectory("polybus-appender-broker-");
    }

    /** The appender's and the checking consumer's broker configuration. */
    abstract Config config();

    abstract void start() throws Exception;

    /** A clean stop (SIGTERM or the broker's own shutdown command), waiting until the server is gone. */
    abstract void stop() throws Exception;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    void awaitPort(String host) {
        await("port " + port).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    Process run(List<String> command, Map<String, String> env, String log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile()));
        pb.environment().putAll(env);
        return pb.start();
    }

    void runToEnd(List<String> command, Map<String, String> env) throws Exception {
        Process p = run(command, env, "commands.log");
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(command + " failed: " + Files.readString(dir.resolve("commands.log")));
        }
    }

    void stopPid(Path pidFile) throws IOException {
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroy();
                h.onExit().orTimeout(60, TimeUnit.SECONDS).join();
            });
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** redis-server with an append-only file synced on every write, so a restart keeps what it acknowledged. */
    static final class Redis extends OwnServer {
        Redis() throws IOException {
            super(freePort());
        }

        @Override
        Config config() {
            return Config.of("type", "redis", "port", Integer.toString(port), "connect-timeout", "500ms",
                    "socket-timeout", "2s");
        }

        @Override
        void start() throws Exception {
            runToEnd(List.of("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port",
                    Integer.toString(port), "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                    "--dir", dir.toString(), "--pidfile", dir.resolve("redis.pid").toString(),
                    "--logfile", dir.resolve("redis.log").toString()), Map.of());
            awaitPort("127.0.0.1");
        }

        @Override
        void stop() throws Exception {
            stopPid(dir.resolve("redis.pid"));
        }
    }

    /** A single-node KRaft Kafka in a JVM of its own (the test class path holds the broker), as broker-kafka's tests run one. */
    static final class Kafka extends OwnServer {
        private Process process;

        Kafka() throws Exception {
            super(freePort());
            int controller = freePort();
            Files.writeString(dir.resolve("server.properties"), String.join("\n",
                    "process.roles=broker,controller", "node.id=1",
                    "controller.quorum.bootstrap.servers=localhost:" + controller,
                    "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controller,
                    "advertised.listeners=PLAINTEXT://localhost:" + port, "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "log.dirs=" + dir.resolve("data"), "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3", "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1", "group.initial.rebalance.delay.ms=0", ""));
            Process format = java("format.log", "kafka.tools.StorageTool", "format", "-t",
                    org.apache.kafka.common.Uuid.randomUuid().toString(), "-c",
                    dir.resolve("server.properties").toString(), "--standalone", "--ignore-formatted");
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("formatting Kafka storage failed; see " + dir.resolve("format.log"));
            }
        }

        private Process java(String log, String mainClass, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
            command.addAll(List.of(args));
            return run(command, Map.of(), log);
        }

        @Override
        Config config() {
            return Config.of("type", "kafka", "bootstrap-servers", "localhost:" + port, "partitions", "3");
        }

        @Override
        void start() throws Exception {
            process = java("kafka.log", "kafka.Kafka", dir.resolve("server.properties").toString());
            awaitPort("localhost");
        }

        @Override
        void stop() throws Exception {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }

    /** A RabbitMQ node of its own (node name, ports, HOME, mnesia), as broker-rabbitmq's restart tests run one. */
    static final class RabbitMq extends OwnServer {
        private static final String BIN = "/usr/lib/rabbitmq/bin/";
        private final String node = "polybus-appender-" + ProcessHandle.current().pid() + "@localhost";
        private final Map<String, String> env;
        private boolean running;

        RabbitMq() throws IOException {
            super(freePort());
            Files.writeString(dir.resolve("enabled_plugins"), "[].");
            Files.writeString(dir.resolve("rabbitmq.conf"), "listeners.tcp.local = 127.0.0.1:" + port + "\n");
            env = Map.of("HOME", dir.toString(), "RABBITMQ_NODENAME", node, "RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1",
                    "RABBITMQ_NODE_PORT", Integer.toString(port), "RABBITMQ_DIST_PORT", Integer.toString(freePort()),
                    "RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString(), "RABBITMQ_LOG_BASE",
                    dir.resolve("log").toString(), "RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString(),
                    "RABBITMQ_PID_FILE", dir.resolve("rabbit.pid").toString(),
                    "RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
        }

        @Override
        Config config() {
            return Config.of("type", "rabbitmq", "host", "127.0.0.1", "port", Integer.toString(port));
        }

        @Override
        void start() throws Exception {
            runToEnd(List.of(BIN + "rabbitmq-server", "-detached"), env);
            running = true;
            runToEnd(List.of(BIN + "rabbitmqctl", "-n", node, "wait", dir.resolve("rabbit.pid").toString(),
                    "--timeout", "90"), env);
        }

        @Override
        void stop() throws Exception {
            if (running) {
                try {
                    runToEnd(List.of(BIN + "rabbitmqctl", "-n", node, "shutdown"), env);
                } catch (IllegalStateException e) {
                    stopPid(dir.resolve("rabbit.pid"));
                }
                running = false;
            }
        }
    }
}
