package io.polybus.bench.internal;

import io.polybus.BrokerInfo;
import io.polybus.Brokers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs a workload on every requested target and rate, one run at a time, and writes the outputs: the
 * Markdown table on {@code out}, progress on {@code err}, and {@code result.json}, {@code report.html} and
 * PNG charts in the output directory. For each broker and rate the raw baseline runs first, then Polybus;
 * with {@code repeat} rounds the order turns round every other round (raw, Polybus, Polybus, raw, raw, ...), so
 * that drift hits both and neither always runs on a JVM the other has just warmed up.
 */
public final class Benchmark {
    private final Workload workload;
    private final List<String> brokers;
    private final List<String> clients;
    private final Path outputDir;
    private final String command;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean progress;

    /**
     * @throws IllegalArgumentException naming an unknown broker type or client, and the accepted ones
     */
    public Benchmark(Workload workload, List<String> brokers, List<String> clients, Path outputDir, String command,
                     PrintStream out, PrintStream err, boolean progress) {
        Set<String> known = new TreeSet<>(Target.RAW_BROKERS);
        Brokers.available().stream().map(BrokerInfo::type).forEach(known::add);
        for (String b : brokers) {
            if (!known.contains(b)) {
                throw new IllegalArgumentException("unknown broker '" + b + "'; known: " + String.join(", ", known));
            }
        }
        for (String c : clients) {
            if (!c.equals(Target.POLYBUS) && !c.equals(Target.RAW)) {
                throw new IllegalArgumentException("unknown client '" + c + "'; known: polybus, raw");
            }
        }
        this.workload = workload;
        this.brokers = List.copyOf(brokers);
        this.clients = List.copyOf(clients);
        this.outputDir = outputDir;
        this.command = command;
        this.out = out;
        this.err = err;
        this.progress = progress;
    }

    /** The versions of Polybus and of the libraries the benchmark was built with. */
    public static Map<String, String> versions() {
        Map<String, String> versions = new LinkedHashMap<>();
        for (String lib : List.of("polybus", "kafka-clients", "amqp-client", "jedis", "jnats", "artemis-core-client", "hdrhistogram", "xchart")) {
            versions.put(lib, Versions.get(lib));
        }
        return versions;
    }

    /** Runs everything and writes every output; the report says whether every run passed. */
    public Report run() throws IOException {
        String started = Instant.now().toString();
        Set<String> providers = Brokers.available().stream().map(BrokerInfo::type).collect(Collectors.toSet());
        Map<String, List<Target>> targets = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        for (String broker : brokers) {
            List<Target> pair = new ArrayList<>();
            if (clients.contains(Target.RAW) && Target.RAW_BROKERS.contains(broker)) {
                pair.add(new Target(broker, Target.RAW));
            }
            if (clients.contains(Target.POLYBUS)) {
                if (providers.contains(broker)) {
                    pair.add(new Target(broker, Target.POLYBUS));
                } else {
                    notes.add(broker + "/polybus skipped: no Polybus provider of type " + broker
                            + " on the class path (found: " + String.join(", ", new TreeSet<>(providers)) + ")");
                }
            }
            if (!pair.isEmpty()) {
                targets.put(broker, pair);
            }
        }
        notes.forEach(n -> err.println("note: " + n));
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("nothing to run for brokers " + brokers + " and clients " + clients);
        }
        List<RunResult> results = new ArrayList<>();
        Consumer<String> line = progress ? progressLine() : s -> { };
        int rounds = workload.repeat();
        for (long rate : workload.rates()) {
            for (List<Target> pair : targets.values()) {
                for (int round = 1; round <= rounds; round++) {
                    List<Target> order = new ArrayList<>(pair);
                    if (round % 2 == 0) {
                        Collections.reverse(order);
                    }
                    for (Target target : order) {
                        err.println("running " + target + " at " + MarkdownTable.rate(rate) + " (" + workload.name() + ")"
                                + (rounds > 1 ? ", round " + round + " of " + rounds : ""));
                        RunResult result = new BenchRun(target, workload, rate, round, line).run();
                        if (progress && System.console() != null) {
                            err.println();
                        }
                        err.println("  " + target + ": " + result.status() + (result.error() == null ? "" : ": " + result.error()));
                        results.add(result);
                    }
                }
            }
        }
        Report report = new Report(Report.SCHEMA, started, command, workload.describe(), Environment.describe(), results, notes);
        Files.createDirectories(outputDir);
        JsonReport.write(report, outputDir.resolve("result.json"));
        HtmlReport.write(report, outputDir);
        out.print(MarkdownTable.render(report));
        out.flush();
        err.println("results in " + outputDir.toAbsolutePath() + " (result.json, report.html, *.png)");
        return report;
    }

    private Consumer<String> progressLine() {
        boolean console = System.console() != null;
        return s -> {
            if (console) {
                err.print("\r" + s + "   ");
            } else {
                err.println(s);
            }
            err.flush();
        };
    }
}
