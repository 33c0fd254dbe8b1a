package io.polybus.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Prometheus Alertmanager of a test class's own, on a free port of 25000-25999, started and stopped with the
 * project's {@code scripts/brokers} (which installs Debian's {@code prometheus-alertmanager} when it is missing), so
 * that tests run the server users run. Its state lives under {@code target/}.
 */
final class LocalAlertmanager implements AutoCloseable {
    private static final Path SCRIPT = Path.of("..", "scripts", "brokers").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final Path state;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalAlertmanager(int port) throws IOException {
        this.port = port;
        this.state = Path.of("target", "brokers-state").toAbsolutePath();
        this.log = Path.of("target", "alertmanager-" + port + ".log").toAbsolutePath();
        Files.createDirectories(state);
    }

    /** Starts an Alertmanager on a free port and waits until it is ready. */
    static LocalAlertmanager start() throws Exception {
        LocalAlertmanager am = new LocalAlertmanager(freePort());
        am.brokers("up");
        return am;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The alerts Alertmanager holds as active (neither resolved nor expired) with label {@code alertname}. */
    JsonNode alerts(String alertname) throws Exception {
        String filter = URLEncoder.encode("alertname=\"" + alertname + "\"", StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v2/alerts?filter=" + filter))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /api/v2/alerts answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private void brokers(String action) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), action, "alertmanager").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("ALERTMANAGER_PORT", Integer.toString(port));
        env.put("POLYBUS_BROKERS_HOME", state.toString());
        Process p = builder.start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(SCRIPT + " " + action + " alertmanager did not finish in 600 s; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(SCRIPT + " " + action + " alertmanager failed; see " + log + ":\n"
                    + Files.readString(log));
        }
    }

    /** A port of 25000-25999 nothing listens on. */
    private static int freePort() throws IOException {
        int first = (int) (ProcessHandle.current().pid() % 1000);
        for (int i = 0; i < 1000; i++) {
            try (ServerSocket s = new ServerSocket(25000 + (first + i) % 1000, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IOException("no free port in 25000-25999");
    }

    @Override
    public void close() throws Exception {
        brokers("down");
    }
}
