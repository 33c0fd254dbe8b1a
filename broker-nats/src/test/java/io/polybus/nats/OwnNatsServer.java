package io.polybus.nats;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A nats-server with JetStream of a test's own, on a free port with its store in a temporary directory, so that
 * tests can stop, kill, pause or restart it without touching the shared server. The store survives a restart.
 */
final class OwnNatsServer implements AutoCloseable {
    final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private Process process;

    private OwnNatsServer(int port, Path dir, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
    }

    /** Starts a server; {@code extraArgs} are more nats-server options, e.g. {@code --auth secret}. */
    static OwnNatsServer start(String... extraArgs) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        OwnNatsServer server = new OwnNatsServer(port, Files.createTempDirectory("polybus-nats-test"), List.of(extraArgs));
        server.start();
        return server;
    }

    String url() {
        return "nats://127.0.0.1:" + port;
    }

    void start() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nats-server", "-a", "127.0.0.1", "-p", Integer.toString(port), "-js",
                "-sd", dir.resolve("store").toString(), "-l", dir.resolve("nats.log").toString()));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("start.out").toFile()).start();
        await("nats-server on port " + port).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(this::jetStreamReady);
    }

    private boolean jetStreamReady() throws Exception {
        if (!process.isAlive()) {
            throw new IllegalStateException("nats-server exited: " + Files.readString(dir.resolve("start.out")));
        }
        Options.Builder options = new Options.Builder().server(url()).connectionTimeout(Duration.ofMillis(500))
                .maxReconnects(0);
        String token = tokenArgument();
        if (token != null) {
            options.token(token.toCharArray());
        }
        try (Connection c = Nats.connect(options.build())) {
            c.jetStreamManagement().getAccountStatistics();
            return true;
        }
    }

    private String tokenArgument() {
        int i = extraArgs.indexOf("--auth");
        return i >= 0 ? extraArgs.get(i + 1) : null;
    }

    /** Stops the server: SIGTERM (a clean shutdown), or SIGKILL when {@code crash}; waits until it is gone. */
    void stop(boolean crash) {
        if (process == null || !process.isAlive()) {
            return;
        }
        if (crash) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        await("nats-server on port " + port + " to stop").atMost(Duration.ofSeconds(20)).until(() -> !process.isAlive());
    }

    /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connections stay open but nothing is answered. */
    void pause(boolean frozen) throws IOException, InterruptedException {
        new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    @Override
    public void close() throws IOException {
        if (process != null && process.isAlive()) {
            try {
                pause(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stop(false);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
