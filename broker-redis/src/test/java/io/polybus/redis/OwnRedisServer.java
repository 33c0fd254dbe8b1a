package io.polybus.redis;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

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
 * A redis-server of a test's own, on a free port in a temporary directory, so that tests can stop, restart
 * or protect it without touching the shared server. Started with {@code --daemonize yes}; stopped by its pid.
 */
final class OwnRedisServer implements AutoCloseable {
    final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private final String password;

    private OwnRedisServer(int port, Path dir, String password, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.password = password;
        this.extraArgs = extraArgs;
    }

    /** Starts a server; {@code password} may be null, {@code extraArgs} are more redis-server options. */
    static OwnRedisServer start(String password, String... extraArgs) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        OwnRedisServer server = new OwnRedisServer(port, Files.createTempDirectory("polybus-redis-test"), password,
                List.of(extraArgs));
        server.start();
        return server;
    }

    void start() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1",
                "--port", Integer.toString(port), "--save", "", "--pidfile", dir.resolve("redis.pid").toString(),
                "--logfile", dir.resolve("redis.log").toString(), "--dir", dir.toString()));
        if (password != null) {
            cmd.add("--requirepass");
            cmd.add(password);
        }
        cmd.addAll(extraArgs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("start.out").toFile()).start();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("redis-server did not start: " + Files.readString(dir.resolve("start.out")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        await("redis-server on port " + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .ignoreExceptions().until(this::ping);
    }

    private boolean ping() {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP2);
        if (password != null) {
            config.password(password);
        }
        try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port), config.build())) {
            return "PONG".equals(jedis.ping());
        }
    }

    /** Stops the server (SIGTERM: a clean shutdown) and waits until it is gone. */
    void stop() throws IOException {
        Path pidFile = dir.resolve("redis.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroy();
            await("redis-server " + pid + " to stop").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !h.isAlive());
        });
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
