package io.polybus.sinks.internal.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A single-node OpenSearch of a test class's own, on free ports, in a JVM of its own (never the test JVM: its
 * netty, Jackson and Lucene clash with ours), started and stopped with the project's {@code scripts/brokers} so
 * that tests run the server users run. Its data (in {@code <state>/opensearch-<port>}) survives {@link #stop()} and
 * {@link #start()}; {@link #close()} stops it and deletes it.
 */
final class LocalOpenSearch implements AutoCloseable {
    private static final Path SCRIPT = Path.of("..", "scripts", "brokers").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final int transportPort;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private LocalOpenSearch(int port, int transportPort) throws IOException {
        this.port = port;
        this.transportPort = transportPort;
        Path target = Path.of("target");
        Files.createDirectories(target);
        this.log = target.resolve("opensearch-" + port + ".log");
        deleteDir();
    }

    /** Starts a node on free ports and waits until it is ready. */
    static LocalOpenSearch open() throws Exception {
        LocalOpenSearch node = new LocalOpenSearch(freePort(), freePort());
        node.start();
        return node;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Starts the node (again, with its data) and waits until its cluster is ready. */
    void start() throws Exception {
        brokers("up");
    }

    /** Stops the node as SIGTERM does. */
    void stop() throws Exception {
        brokers("down");
    }

    private void brokers(String action) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), action, "opensearch").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("OPENSEARCH_PORT", Integer.toString(port));
        env.put("OPENSEARCH_TRANSPORT_PORT", Integer.toString(transportPort));
        env.put("POLYBUS_BROKERS_TIMEOUT", "180");
        Process p = builder.start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(SCRIPT + " " + action + " opensearch did not finish in 600 s; see " + log.toAbsolutePath());
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(SCRIPT + " " + action + " opensearch failed; see " + log.toAbsolutePath()
                    + ":\n" + Files.readString(log));
        }
    }

    /** GET {@code path} as JSON. */
    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** The documents in the indices {@code indices} matches, after a refresh; 0 when there are none yet. */
    long count(String indices) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(url() + "/" + indices + "/_refresh?ignore_unavailable=true&allow_no_indices=true"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
        JsonNode answer = get("/" + indices + "/_count?ignore_unavailable=true&allow_no_indices=true");
        return answer.path("count").asLong();
    }

    /** Sends {@code body} as JSON with {@code method} and returns the status. */
    int send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url() + path)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Path dir() {
        String home = System.getenv("POLYBUS_BROKERS_HOME");
        Path state = home != null ? Path.of(home) : Path.of(System.getProperty("user.home"), ".polybus", "brokers");
        return state.resolve("opensearch-" + port);
    }

    private void deleteDir() throws IOException {
        if (!Files.exists(dir())) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir())) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            deleteDir();
        }
    }
}
