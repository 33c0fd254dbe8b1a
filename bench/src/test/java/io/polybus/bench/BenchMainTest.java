package io.polybus.bench;

import io.polybus.bench.internal.JsonReport;
import io.polybus.bench.internal.Report;
import io.polybus.bench.internal.RunResult;
import io.polybus.bench.internal.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchMainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int bench(String... args) {
        return BenchMain.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private Path workload(String extra) throws Exception {
        Path file = dir.resolve("workload.yaml");
        Files.writeString(file, """
                name: test
                message-size: 100
                keys: 10
                rate: 2000
                warmup: 500ms
                duration: 1s
                drain-timeout: 3s
                """ + extra);
        return file;
    }

    @Test
    void shortMemoryRunPassesAndWritesEveryOutput() throws Exception {
        Path outDir = dir.resolve("out");
        int code = bench("-w", workload("").toString(), "--brokers", "memory", "-o", outDir.toString(), "--no-progress");

        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, () -> table + err);
        assertTrue(table.contains("| memory | polybus | 2,000/s |"), table);
        assertTrue(Files.size(outDir.resolve("report.html")) > 0);
        for (String png : new String[] {"e2e-latency-2000.png", "publish-latency-2000.png", "throughput-2000.png"}) {
            assertTrue(Files.size(outDir.resolve(png)) > 0, png);
        }

        Report report = JsonReport.read(outDir.resolve("result.json"));
        assertEquals(Report.SCHEMA, report.schema());
        assertEquals(1, report.runs().size());
        RunResult run = report.runs().get(0);
        assertEquals(RunResult.Status.OK, run.status());
        assertEquals(0, run.lost());
        assertEquals(run.sent(), run.received(), "one group receives every message once");
        assertTrue(run.e2eIntended().getTotalCount() > 0, "end-to-end latencies decoded from the JSON");
        assertEquals(run.publishIntended().getTotalCount(), run.publishActual().getTotalCount());
        assertTrue(report.environment().containsKey("jvm"));
    }

    @Test
    void rateSweepRunsEachRateAndChartsP99ByRate() throws Exception {
        Path outDir = dir.resolve("out");
        int code = bench("-w", workload("").toString(), "--rate", "1000,3000", "--duration", "500ms", "--warmup", "200ms",
                "-o", outDir.toString(), "--no-progress");

        assertEquals(0, code, () -> out.toString(StandardCharsets.UTF_8) + err);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("| memory | polybus | 1,000/s |"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("| memory | polybus | 3,000/s |"));
        assertTrue(Files.size(outDir.resolve("e2e-p99-by-rate.png")) > 0);
        assertEquals(2, JsonReport.read(outDir.resolve("result.json")).runs().size());
    }

    @Test
    void injectedLossFailsTheRun() throws Exception {
        Path outDir = dir.resolve("out");
        int code = bench("-w", workload("inject-loss: 3\n").toString(), "--brokers", "memory", "-o", outDir.toString(),
                "--no-progress");

        assertEquals(1, code, () -> out.toString(StandardCharsets.UTF_8) + err);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("LOST (3 acknowledged messages never arrived)"));
        RunResult run = JsonReport.read(outDir.resolve("result.json")).runs().get(0);
        assertEquals(RunResult.Status.LOST, run.status());
        assertEquals(3, run.lost());
    }

    @Test
    void separatePhasesMeasurePublishAndConsumeRatesWithoutEndToEndLatency() throws Exception {
        Path outDir = dir.resolve("out");
        int code = bench("-w", workload("phases: separate\nmessages: 20000\n").toString(), "--rate", "max", "--warmup", "100ms",
                "-o", outDir.toString(), "--no-progress");

        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, () -> table + err);
        RunResult run = JsonReport.read(outDir.resolve("result.json")).runs().get(0);
        assertEquals(RunResult.Status.OK, run.status(), run::error);
        assertEquals(Workload.Phases.SEPARATE, run.phases());
        assertEquals(run.sent(), run.received(), "the group subscribed before sending gets every message afterwards");
        assertTrue(run.sent() > 20_000, "warm-up messages are sent too: " + run.sent());
        assertTrue(run.publishRate() > 0 && run.consumeRate() > 0, () -> run.publishRate() + " / " + run.consumeRate());
        assertEquals(0, run.e2eIntended().getTotalCount());
        assertTrue(Files.readString(outDir.resolve("result.json")).contains("\"e2eActual\" : null"));
        assertTrue(table.contains(" | - | - | - | - | 0 | 0 | 0 |"), "e2e columns empty: " + table);
        assertTrue(table.contains("end-to-end latency is not measured"), table);
        assertFalse(Files.exists(outDir.resolve("e2e-latency-max.png")), "no end-to-end chart");
        assertTrue(Files.size(outDir.resolve("publish-latency-max.png")) > 0);
    }

    @Test
    void injectedLossFailsASeparatePhasesRun() throws Exception {
        Path outDir = dir.resolve("out");
        int code = bench("-w", workload("phases: separate\ninject-loss: 3\n").toString(), "--brokers", "memory",
                "-o", outDir.toString(), "--no-progress");

        assertEquals(1, code, () -> out.toString(StandardCharsets.UTF_8) + err);
        RunResult run = JsonReport.read(outDir.resolve("result.json")).runs().get(0);
        assertEquals(RunResult.Status.LOST, run.status());
        assertEquals(3, run.lost());
    }

    /** The memory broker holds at most max-group-bytes; a full group makes its producer wait 60 s, then fail. */
    @Test
    @Timeout(value = 150, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSeparatePhasesRunStopsSendingAtTheFirstSendError() throws Exception {
        Path outDir = dir.resolve("out");
        int code = bench("-w", workload("phases: separate\nbrokers: {memory: {polybus: {max-group-bytes: 10KiB}}}\n").toString(),
                "--brokers", "memory", "-o", outDir.toString(), "--no-progress");

        assertEquals(1, code, () -> out.toString(StandardCharsets.UTF_8) + err);
        RunResult run = JsonReport.read(outDir.resolve("result.json")).runs().get(0);
        assertEquals(RunResult.Status.SEND_ERRORS, run.status());
        assertEquals(1, run.sendErrors(), "the first send error ends the producer");
        assertTrue(run.error().contains("max-group-bytes"), run.error());
        assertEquals(0, run.lost());
        assertEquals(run.sent() - 1, run.received(), "everything but the failed send is read afterwards");
    }

    @Test
    void repeatRunsEveryRoundAndLabelsIt() throws Exception {
        Path outDir = dir.resolve("out");
        int code = bench("-w", workload("").toString(), "--repeat", "2", "--duration", "300ms", "--warmup", "100ms",
                "-o", outDir.toString(), "--no-progress");

        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, () -> table + err);
        assertTrue(table.contains("| memory | polybus | 1 | 2,000/s |") && table.contains("| memory | polybus | 2 | 2,000/s |"),
                table);
        assertEquals(List.of(1, 2), JsonReport.read(outDir.resolve("result.json")).runs().stream().map(RunResult::round).toList());
    }

    @Test
    void badRepeatIsAUsageErrorNamingTheKey() throws Exception {
        int code = bench("-w", workload("").toString(), "--repeat", "0", "-o", dir.resolve("out").toString());

        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--repeat: '0' is not valid; expected a value from 1 to 100"),
                err::toString);
    }

    @Test
    void unreachableBrokerFailsTheRunNamingHostAndPort() throws Exception {
        Path outDir = dir.resolve("out");
        int code = bench("-w", workload("brokers: {redis: {port: 1, polybus: {port: 1}}}\n").toString(), "--brokers", "redis", "-o",
                outDir.toString(), "--no-progress");

        assertEquals(1, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(
                        "redis/raw @ 2,000/s: FAILED: redis does not answer at 127.0.0.1:1 (start it, or run with --start-brokers)"),
                () -> out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("redis/polybus @ 2,000/s: FAILED:"), () -> out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("redis/polybus @")).anyMatch(l -> l.contains("127.0.0.1:1")),
                () -> out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheOptions() {
        assertEquals(0, bench("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--workload"));
    }

    @Test
    void unknownWorkloadKeyIsAUsageErrorNamingTheKey() throws Exception {
        int code = bench("-w", workload("partitons: 3\n").toString(), "-o", dir.resolve("out").toString());

        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("partitons"), err::toString);
    }

    @Test
    void unknownBrokerIsAUsageErrorListingTheKnownOnes() throws Exception {
        int code = bench("-w", workload("").toString(), "--brokers", "kafak", "-o", dir.resolve("out").toString());

        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown broker 'kafak'; known: artemis, kafka, memory, mqtt, nats, rabbitmq, redis, rocketmq, zeromq"),
                err::toString);
    }
}
