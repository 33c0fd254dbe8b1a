package io.polybus.testkit;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PostgreSQL 15 cluster of a test's own (Debian's binaries, run as the {@code postgres} user), on a free
 * port of 127.0.0.1, with the configuration lines and {@code pg_hba.conf} the test gives. The superuser
 * {@code postgres} logs in over the cluster's socket without a password, to set things up.
 *
 * <p>Needs root (to run as {@code postgres}) and Debian's {@code postgresql-15}. Not thread-safe: one test class
 * drives one cluster.
 */
public final class OwnPostgres implements AutoCloseable {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private final Path dir;
    private final int port;

    private OwnPostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Creates and starts a cluster in {@code dir}, which is given to the {@code postgres} user (its parents must let
     * that user through, as {@code /tmp} does).
     *
     * @param conf lines for {@code postgresql.conf}
     * @param hba  the whole {@code pg_hba.conf}
     */
    public static OwnPostgres start(Path dir, List<String> conf, List<String> hba) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        run(List.of("chown", "postgres", dir.toString()));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        OwnPostgres pg = new OwnPostgres(dir, port);
        Path data = dir.resolve("data");
        asPostgres(BIN.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        Files.write(data.resolve("postgresql.conf"), conf, StandardOpenOption.APPEND);
        Files.write(data.resolve("pg_hba.conf"), hba);
        asPostgres(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-l", dir.resolve("pg.log").toString(),
                "start", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off");
        return pg;
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The server's log file. */
    public Path log() {
        return dir.resolve("pg.log");
    }

    /** Runs {@code sql} as the superuser over the cluster's socket. */
    public void psql(String sql) throws Exception {
        asPostgres("psql", "-h", dir.toString(), "-p", Integer.toString(port), "-U", "postgres", "-d", "postgres",
                "-v", "ON_ERROR_STOP=1", "-qc", sql);
    }

    /** Gives {@code file} to the {@code postgres} user, readable by it alone (as PostgreSQL wants of a key). */
    public static void giveToPostgres(Path file) throws Exception {
        run(List.of("chown", "postgres", file.toString()));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static void asPostgres(String... command) throws Exception {
        List<String> all = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        all.addAll(List.of(command));
        run(all);
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " failed: " + new String(out));
        }
    }

    /** Stops the cluster and deletes its folder. */
    @Override
    public void close() throws Exception {
        asPostgres(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
        run(List.of("rm", "-rf", dir.toString()));
    }
}
