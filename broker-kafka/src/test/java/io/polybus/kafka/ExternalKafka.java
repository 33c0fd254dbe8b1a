package io.polybus.kafka;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A single-node KRaft Kafka in a JVM of its own, on fixed ports, so a test can stop it and start it again
 * with its data: what an in-process cluster cannot do. Uses the test class path, which holds the broker.
 */
final class ExternalKafka implements AutoCloseable {
    final int port;
    private final Path dir;
    private Process process;

    private ExternalKafka(int port, int controllerPort, Path dir) throws IOException {
        this.port = port;
        this.dir = dir;
        Files.writeString(dir.resolve("server.properties"), String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=localhost:" + controllerPort,
                "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                "advertised.listeners=PLAINTEXT://localhost:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "group.min.session.timeout.ms=1000",
                ""));
    }

    static ExternalKafka start() throws Exception {
        ExternalKafka kafka = new ExternalKafka(freePort(), freePort(), Files.createTempDirectory("polybus-kafka-"));
        Process format = kafka.java("format", "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", kafka.dir.resolve("server.properties").toString(), "--standalone", "--ignore-formatted");
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting Kafka storage failed; see " + kafka.dir.resolve("format.log"));
        }
        kafka.startBroker();
        return kafka;
    }

    String bootstrapServers() {
        return "localhost:" + port;
    }

    /** Starts the broker (again) and waits until it accepts connections. */
    void startBroker() throws IOException {
        process = java("kafka", "kafka.Kafka", dir.resolve("server.properties").toString());
        Process started = process;
        try {
            await("Kafka on port " + port).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!started.isAlive()) {
                            throw new IllegalStateException("Kafka exited with " + started.exitValue() + " before it"
                                    + " accepted connections; see " + dir.resolve("kafka.log"));
                        }
                        return accepts();
                    });
        } catch (RuntimeException e) {
            started.destroyForcibly();
            throw e;
        }
    }

    /** Stops the broker as SIGTERM does (a clean shutdown) and waits for it to exit. */
    void stopBroker() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("localhost", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Process java(String log, String mainClass, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = Stream.concat(Stream.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                mainClass), Stream.of(args)).toList();
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log + ".log").toFile())).start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            stopBroker();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
