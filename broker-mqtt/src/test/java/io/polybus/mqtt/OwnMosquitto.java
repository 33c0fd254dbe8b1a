package io.polybus.mqtt;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A Mosquitto of a test's own, on a free port with its config file and persistence in a temporary directory, so
 * that tests can stop and restart it without touching the shared one on 1883. Runs in the foreground as a child
 * process; {@link #stop} sends SIGTERM, on which Mosquitto writes its persistence file. Also used by the agent's
 * tests (this module's test jar).
 */
public final class OwnMosquitto implements AutoCloseable {
    public final int port;
    final Path dir;
    private Process process;

    private OwnMosquitto(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /**
     * Starts a server with persistence on; {@code extraConfig} lines are added to its config file.
     */
    public static OwnMosquitto start(String... extraConfig) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("polybus-mosquitto-test");
        List<String> lines = new ArrayList<>(List.of(
                "listener " + port + " 127.0.0.1",
                "persistence true",
                "persistence_location " + dir + "/",
                "log_dest file " + dir.resolve("mosquitto.log"),
                // As root, Mosquitto would switch to the mosquitto user, which cannot write the temporary directory.
                "user root"));
        lines.addAll(List.of(extraConfig));
        if (lines.stream().noneMatch(l -> l.startsWith("password_file"))) {
            lines.add("allow_anonymous true");
        }
        Files.write(dir.resolve("mosquitto.conf"), lines);
        OwnMosquitto server = new OwnMosquitto(port, dir);
        server.start();
        return server;
    }

    void start() throws IOException {
        process = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        await("mosquitto on port " + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IOException("mosquitto exited: " + Files.readString(dir.resolve("stdout.log")));
                    }
                    try (Socket socket = new Socket("127.0.0.1", port)) {
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /** Stops the server with SIGTERM (it saves its persistence file) and waits until it is gone. */
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            await("mosquitto to stop").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !process.isAlive());
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
