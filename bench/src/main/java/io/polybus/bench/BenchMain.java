package io.polybus.bench;

import io.polybus.ConfigException;
import io.polybus.bench.internal.Benchmark;
import io.polybus.bench.internal.BrokerStarter;
import io.polybus.bench.internal.MonitorBench;
import io.polybus.bench.internal.ProcessorBench;
import io.polybus.bench.internal.Report;
import io.polybus.bench.internal.Target;
import io.polybus.bench.internal.Workload;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code polybus bench}: runs one workload on several brokers, through Polybus and through each broker's raw
 * client, and reports them side by side; {@code polybus bench processors} measures the agent's processors
 * ({@link ProcessorBench}), {@code polybus bench monitor} the monitor's rules ({@link MonitorBench}). The Markdown table goes to stdout, progress to stderr, and
 * {@code result.json}, {@code report.html} and PNG charts to the output directory.
 *
 * <p>Exit codes: 0 when every run delivered every acknowledged message without send errors, 1 when some
 * run lost messages, had send errors or failed, 2 for bad usage or configuration.
 */
@Command(name = "polybus bench", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = BenchMain.Version.class,
        description = "Benchmark brokers side by side, through Polybus and through each raw client.")
public final class BenchMain implements Callable<Integer> {
    static final int PASSED = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    private static final String LOGBACK_CONFIG = "logback.configurationFile";

    @Option(names = {"-w", "--workload"}, paramLabel = "FILE", description = "Workload YAML (see bench/workloads/); required but for the processors and monitor subcommands.")
    private Path workloadFile;

    @Option(names = "--brokers", split = ",", paramLabel = "TYPE", defaultValue = "memory",
            description = "Broker types to run, comma-separated, as `polybus brokers` lists them (default: ${DEFAULT-VALUE}).")
    private List<String> brokers;

    @Option(names = "--clients", split = ",", paramLabel = "CLIENT", defaultValue = "polybus,raw",
            description = "polybus, raw or both (default: ${DEFAULT-VALUE}); a broker without a raw baseline (memory) runs Polybus only.")
    private List<String> clients;

    @Option(names = "--rate", paramLabel = "RATE",
            description = "Overrides the workload's rate: max, msg/s, or a comma-separated sweep.")
    private String rate;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Overrides the measured duration (and messages), e.g. 30s.")
    private String duration;

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Overrides the warm-up, e.g. 5s.")
    private String warmup;

    @Option(names = "--repeat", paramLabel = "N",
            description = "Overrides the workload's rounds: runs raw and Polybus N times per broker and rate, raw first in odd rounds.")
    private String repeat;

    @Option(names = "--message-ids", paramLabel = "true|false",
            description = "Overrides the workload's message-ids: whether Polybus messages are given ids of their own.")
    private String messageIds;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output directory (default: bench-results/<time>).")
    private Path outputDir;

    @Option(names = "--start-brokers", description = "Start brokers that do not answer with scripts/brokers up <broker>.")
    private boolean startBrokers;

    @Option(names = "--brokers-script", paramLabel = "FILE",
            description = "The broker script for --start-brokers (default: $POLYBUS_HOME/scripts/brokers, else ./scripts/brokers).")
    private Path brokersScript;

    @Option(names = "--no-progress", description = "No live progress line on stderr.")
    private boolean noProgress;

    private final PrintStream out;
    private final PrintStream err;
    private final String commandLine;

    private BenchMain(PrintStream out, PrintStream err, String commandLine) {
        this.out = out;
        this.err = err;
        this.commandLine = commandLine;
    }

    /** The versions of Polybus and of the raw clients, for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return Benchmark.versions().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toArray(String[]::new);
        }
    }

    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /**
     * Runs the command with {@code args}, printing the table to {@code out} and everything else to {@code err}.
     *
     * @return the exit code
     */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        if (System.getProperty(LOGBACK_CONFIG) == null) {
            System.setProperty(LOGBACK_CONFIG, "io/polybus/bench/logback-bench.xml");
        }
        CommandLine cli = new CommandLine(new BenchMain(out, err, "polybus bench " + String.join(" ", args)));
        cli.addSubcommand("processors", new ProcessorBench(out, err));
        cli.addSubcommand("monitor", new MonitorBench(out, err));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (workloadFile == null) {
            err.println("polybus bench: missing required option '--workload=FILE' (or the subcommand processors or monitor)");
            return USAGE;
        }
        Workload workload;
        Benchmark benchmark;
        try {
            Map<String, String> overrides = new LinkedHashMap<>();
            putIfGiven(overrides, "rate", rate);
            putIfGiven(overrides, "duration", duration);
            putIfGiven(overrides, "warmup", warmup);
            putIfGiven(overrides, "repeat", repeat);
            putIfGiven(overrides, "message-ids", messageIds);
            workload = Workload.read(workloadFile, overrides, System::getenv);
            Path dir = outputDir != null ? outputDir : Path.of("bench-results",
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            benchmark = new Benchmark(workload, brokers, clients, dir, commandLine, out, err, !noProgress);
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("polybus bench: " + e.getMessage());
            return USAGE;
        }
        if (startBrokers) {
            BrokerStarter starter = new BrokerStarter(brokersScript != null ? brokersScript : BrokerStarter.defaultScript(), err);
            try {
                for (String broker : brokers) {
                    if (Target.RAW_BROKERS.contains(broker)) {
                        starter.ensureUp(broker, workload.broker(broker));
                    }
                }
            } catch (IOException e) {
                err.println("polybus bench: " + e.getMessage());
                return FAILED;
            }
        }
        Report report = benchmark.run();
        return report.passed() ? PASSED : FAILED;
    }

    private static void putIfGiven(Map<String, String> overrides, String key, String value) {
        if (value != null) {
            overrides.put(key, value);
        }
    }
}
