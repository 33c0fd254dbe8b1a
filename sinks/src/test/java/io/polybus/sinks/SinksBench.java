package io.polybus.sinks;

import com.github.luben.zstd.ZstdOutputStream;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.events.ComponentContext;
import io.polybus.events.ComponentSpec;
import io.polybus.events.Components;
import io.polybus.events.EventPack;
import io.polybus.events.JsonEvent;
import io.polybus.events.Sink;
import io.polybus.events.SinkProvider;
import org.postgresql.PGConnection;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The sinks' benchmark for the closing note (a main, not a test; nothing is asserted). In alternating rounds, prints
 * events/s of: a plain zstd NDJSON writer of the same bytes (one frame and one fsync per batch, nothing read: the
 * raw peer of the file sink), the zstd file sink alone (events read from bytes as the sinks section does) and end to
 * end from the memory broker (packs of 100 agent events read, split and written by the sinks section); and, into the
 * machine's PostgreSQL, the postgresql sink in {@code insert} and {@code copy} mode beside a plain {@code COPY} of
 * the same rows into a table of the same shape.
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl sinks -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -Xmx2g -cp sinks/target/test-classes:sinks/target/classes:$(cat sinks/target/cp.txt) io.polybus.sinks.SinksBench \
 *      [all|file|pg] [fileEvents=1000000] [pgEvents=200000] [fileBatch=10000] [rounds=2] [zstdLevel=3]
 * </pre>
 */
public final class SinksBench {
    private static final Map<String, SinkProvider> SINKS = Components.load(SinkProvider.class);
    private static final int BATCH = 1000;

    private SinksBench() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "all";
        int fileEvents = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int pgEvents = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
        int fileBatch = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int level = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        Path dir = Files.createTempDirectory("sinks-bench");
        try {
            List<byte[]> events = what.equals("pg") ? List.of() : events(fileEvents);
            List<byte[]> rows = what.equals("file") ? List.of() : events(pgEvents);
            for (int round = 1; round <= rounds; round++) {
                System.out.printf("round %d of %d%n", round, rounds);
                if (!what.equals("pg")) {
                    files(dir.resolve("round-" + round), events, fileBatch, level);
                }
                if (!what.equals("file")) {
                    postgresql(rows);
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void files(Path dir, List<byte[]> events, int batch, int level) throws Exception {
        int n = events.size();
        String sink = "{type: file, name: bench, zstd-level: " + level + ", path: '" + dir;
        report("plain zstd NDJSON writer (same bytes, frames, fsyncs)", n, () -> rawZstd(dir.resolve("raw.ndjson.zst"), events, batch, level));
        report("file zstd, sink alone (events read from bytes)", n, () -> alone(sink(sink + "/alone/logs-{HH}.ndjson.zst'}"), events, batch));
        report("file zstd, end to end from the memory broker", n, () -> endToEnd(sink + "/e2e/logs-{HH}.ndjson.zst'}", n, batch));
        System.out.printf("zstd bytes on disk: %,d by the sink, %,d by the plain writer, for %,d events%n",
                size(dir.resolve("alone")), Files.size(dir.resolve("raw.ndjson.zst")), n);
    }

    private static void postgresql(List<byte[]> rows) throws Exception {
        int n = rows.size();
        String schema = "sinks_bench_" + UUID.randomUUID().toString().substring(0, 8);
        sql("CREATE SCHEMA " + schema);
        try {
            report("plain COPY of the same rows (no staging, no conflict check)", n, () -> rawCopy(schema, rows));
            report("postgresql sink, mode copy", n, () -> alone(sink(pg(schema, "copy_t", "copy")), rows, BATCH));
            report("postgresql sink, mode insert", n, () -> alone(sink(pg(schema, "insert_t", "insert")), rows, BATCH));
        } finally {
            sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    /**
     * Seconds for a plain writer to put the same event bytes into one zstd file, one line each, ending a frame and
     * fsyncing every {@code batch} events, as the file sink does; it reads nothing and picks no path.
     */
    private static double rawZstd(Path file, List<byte[]> events, int batch, int level) throws Exception {
        Files.createDirectories(file.getParent());
        long start = System.nanoTime();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             ZstdOutputStream zstd = new ZstdOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16), level)
                     .setCloseFrameOnFlush(true);
             OutputStream out = new BufferedOutputStream(zstd, 1 << 17)) {
            for (int i = 0; i < events.size(); i++) {
                out.write(events.get(i));
                out.write('\n');
                if ((i + 1) % batch == 0 || i == events.size() - 1) {
                    out.flush();
                    channel.force(false);
                }
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static String pg(String schema, String table, String mode) {
        return "{type: postgresql, url: '" + PostgresqlSinkTest.URL + "', user: postgres, schema: " + schema + ", table: " + table
                + ", mode: " + mode + "}";
    }

    private static byte[] event(int n) {
        return ("{\"timestamp\":\"2026-12-06T10:00:00." + (n % 1000 + 1000 + "").substring(1) + "Z\",\"host\":\"web-" + (n % 4)
                + "\",\"message\":\"GET /api/orders/" + n + " 200 1234 \\\"Mozilla/5.0 (X11; Linux x86_64)\\\" rt=0.012\","
                + "\"source\":{\"type\":\"file\",\"name\":\"nginx\",\"path\":\"/var/log/nginx/access.log\",\"file_id\":\"2049:1234:ab\","
                + "\"offset\":" + (n * 120L) + "},\"fields\":{\"service\":\"api\"}}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> events(int n) {
        List<byte[]> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(event(i));
        }
        return list;
    }

    @SuppressWarnings("unchecked")
    private static Sink sink(String yaml) {
        Map<String, Object> section = Config.readYaml("sinks:\n  outputs:\n    - " + yaml + "\n", Map.<String, String>of()::get);
        SinksConfig config = SinksConfig.parse(section.get("sinks"), "sinks", SINKS);
        ComponentSpec<SinkProvider> spec = config.outputs().get(0);
        return spec.create(new ComponentContext("bench", "h", null, Clock.systemUTC(), null));
    }

    /** Seconds to read the events (as the sinks section does) and write them in batches of {@code batch}. */
    private static double alone(Sink sink, List<byte[]> events, int batch) throws Exception {
        try (sink) {
            long start = System.nanoTime();
            long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            for (int i = 0; i < events.size(); i += batch) {
                List<Sink.Record> records = new ArrayList<>(batch);
                for (byte[] json : events.subList(i, Math.min(events.size(), i + batch))) {
                    JsonEvent e = JsonEvent.parse(json);
                    records.add(new Sink.Record(e.identity("m", -1), e, json));
                }
                sink.write(records);
            }
            double cpuSeconds = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu) / 1e9;
            System.out.printf("  (the writing thread's CPU time: %.2f s = %,.0f events per CPU-second)%n", cpuSeconds,
                    events.size() / cpuSeconds);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** Seconds from the first pack sent to the last event made durable, through a sinks section on the memory broker. */
    private static double endToEnd(String sink, int events, int batch) throws Exception {
        String topic = "bench-" + UUID.randomUUID();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Broker broker = Brokers.open(Config.of("type", "memory", "name", topic))) {
            Map<String, Object> section = Config.readYaml("sinks:\n  topic: " + topic + "\n  max-batch-events: " + batch
                    + "\n  max-batch-wait: 20ms\n  outputs:\n    - " + sink + "\n", Map.<String, String>of()::get);
            SinksConfig config = SinksConfig.parse(section.get("sinks"), "sinks", SINKS);
            List<Message> packs = new ArrayList<>();
            for (int i = 0; i < events; i += 100) {
                EventPack pack = new EventPack();
                for (int j = i; j < Math.min(events, i + 100); j++) {
                    pack.add(event(j));
                }
                packs.add(pack.take(Message.builder(topic)));
            }
            try (SinkRunner runner = SinkRunner.start(broker, config, new ComponentContext("sinks", "h", broker, Clock.systemUTC(), null),
                    SinkRunner.defaultHealth()); Producer producer = broker.producer()) {
                runner.bindTo(registry);
                FunctionCounter written = registry.find("polybus.sink.events").tag("sink", "bench").functionCounter();
                long start = System.nanoTime();
                List<CompletableFuture<?>> sent = new ArrayList<>();
                for (Message m : packs) {
                    sent.add(producer.send(m));
                }
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
                while (written.count() < events) {
                    Thread.sleep(5);
                }
                return (System.nanoTime() - start) / 1e9;
            }
        }
    }

    /**
     * Seconds to COPY the same columns into a plain table, in batches of {@link #BATCH}, one transaction each (from
     * events read as trees before the clock starts).
     */
    private static double rawCopy(String schema, List<byte[]> events) throws Exception {
        List<Sink.Record> records = new ArrayList<>(events.size());
        for (byte[] json : events) {
            JsonEvent e = JsonEvent.parse(json);
            e.json();
            records.add(new Sink.Record(e.identity("m", -1), e, json));
        }
        sql("CREATE TABLE " + schema + ".raw_copy (id text PRIMARY KEY, \"timestamp\" timestamptz, host text, message text, "
                + "source jsonb, tags jsonb, fields jsonb)");
        try (Connection c = DriverManager.getConnection(PostgresqlSinkTest.URL, "postgres", null)) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            for (int i = 0; i < records.size(); i += BATCH) {
                StringBuilder data = new StringBuilder(BATCH * 300);
                for (Sink.Record r : records.subList(i, Math.min(records.size(), i + BATCH))) {
                    var json = r.event().json();
                    data.append(r.id()).append('\t').append(json.get("timestamp").asText()).append('\t')
                            .append(json.get("host").asText()).append('\t')
                            .append(json.get("message").asText().replace("\\", "\\\\")).append('\t')
                            .append(json.get("source").toString().replace("\\", "\\\\")).append("\t\\N\t")
                            .append(json.get("fields").toString().replace("\\", "\\\\")).append('\n');
                }
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + schema + ".raw_copy FROM STDIN",
                        new ByteArrayInputStream(data.toString().getBytes(StandardCharsets.UTF_8)));
                c.commit();
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(PostgresqlSinkTest.URL, "postgres", null); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static long size(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** What {@link #report} times. */
    private interface Run {
        double seconds() throws Exception;
    }

    /** Runs {@code run}, and prints its events/s and the CPU time of the whole process meanwhile (every thread). */
    private static void report(String what, int events, Run run) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        double seconds = run.seconds();
        double cpuSeconds = (os.getProcessCpuTime() - cpu) / 1e9;
        System.out.printf("%-62s %,10d events in %6.2f s = %,10.0f events/s; process CPU %.2f s = %.2f s per million%n",
                what, events, seconds, events / seconds, cpuSeconds, cpuSeconds * 1e6 / events);
    }
}
