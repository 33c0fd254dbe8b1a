package io.polybus.cli.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** While the broker cannot be reached at start, {@code /health} answers, reporting each part down and why. */
class HealthAtStartTest {
    /** From the port range of this module's tests: the endpoint must listen before the process has started. */
    private static final int PORT = 21464;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void healthAnswersDownWhileTheBrokerIsUnreachableAtStart() throws Exception {
        String yaml = """
                agent: {data-dir: '%s'}
                sources: [{type: stdin}]
                broker: {type: redis, host: 127.0.0.1, port: 1}
                metrics: {port: %d}
                """.formatted(dir.resolve("data"), PORT);
        PolybusFile file = PolybusFile.parse(yaml, System::getenv, CliPlugins.load());
        CountDownLatch retrying = new CountDownLatch(1);
        CountDownLatch giveUp = new CountDownLatch(1);
        CompletableFuture<PolybusProcess> started = CompletableFuture.supplyAsync(() -> {
            try {
                return PolybusProcess.start(file, new PolybusProcess.Options(false, false, null, InputStream.nullInputStream()),
                        new SimpleMeterRegistry(), e -> {
                            retrying.countDown();
                            return !giveUp.await(30, TimeUnit.SECONDS);
                        });
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertTrue(retrying.await(30, TimeUnit.SECONDS), "the broker at port 1 is unreachable");
            HttpResponse<String> health = get("/health");
            assertEquals(503, health.statusCode(), health.body());
            assertTrue(health.body().contains("\"agent\":{\"status\":\"DOWN\",\"detail\":\"cannot reach the broker, retrying: "),
                    health.body());
        } finally {
            giveUp.countDown();
        }
        assertNull(started.get(30, TimeUnit.SECONDS), "gave up when asked to stop");
        assertThrows(ConnectException.class, () -> get("/health"), "the endpoint is closed with the process");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
