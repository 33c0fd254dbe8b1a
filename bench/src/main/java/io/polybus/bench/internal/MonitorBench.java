package io.polybus.bench.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.events.Components;
import io.polybus.events.EventPack;
import io.polybus.monitor.Monitor;
import io.polybus.monitor.MonitorConfig;
import io.polybus.monitor.NotifierProvider;
import io.polybus.spi.ProviderConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code polybus bench monitor}: the monitor with 10 rules (5 thresholds by host and URI, 3 {@code matches} regexes,
 * 2 absences) over nginx log events of about 434 bytes, on the memory broker with one consumer thread. A producer
 * thread publishes the events, packed as the agent packs them, while the monitor reads them; the figures are the
 * events/s from the first event to the last one evaluated and the CPU time of the monitor's consumer thread per event,
 * with the process's peak resident memory ({@code VmHWM}). With {@code --baseline DIR} it runs rounds alternately in
 * child processes of this checkout's and of {@code DIR}'s {@code bin/polybus}, so that two engines are compared on the
 * same events under the same JVM flags.
 *
 * <p>With {@code --bootstrap-servers} it runs on Kafka instead: the events go to a new topic of {@code --partitions}
 * partitions, the rules are the 8 without the absences (as when docs/monitor.md's figures were taken, before
 * {@code engine: kafka-streams} ran absences), and
 * {@code --engine} and {@code --instances} choose the engines and the numbers of Kafka Streams monitors (in this JVM)
 * that run in each round, alternating; the CPU figure is then the whole process's per event, the producer's included.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The monitor's 10 rules on nginx events on the memory broker, one consumer thread; with --baseline, "
                + "side by side with another checkout; with --bootstrap-servers, on Kafka with either engine.")
public final class MonitorBench implements Callable<Integer> {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String RESULT = "monitor-bench-result";
    private static final String[] AGENTS = {
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "curl/8.5.0", "Go-http-client/1.1", "python-requests/2.32.3"};
    /** The 10 rules, written as a user would. */
    static final String RULES = """
            - {name: 5xx-by-host, type: threshold, where: {field: status, gte: 500}, window: 1m, above: 2000, group-by: host}
            - {name: 4xx-by-host, type: threshold, where: [{field: status, gte: 400}, {field: status, lt: 500}], window: 1m, above: 2000, group-by: host}
            - {name: slow-by-uri, type: threshold, where: {field: request_time, gt: 1.0}, window: 5m, above: 50, group-by: request_uri}
            - {name: big-by-uri, type: threshold, where: {field: body_bytes_sent, gt: 500000}, window: 5m, above: 50, group-by: request_uri}
            - {name: posts-by-host, type: threshold, where: {field: request_method, equals: POST}, window: 1m, above: 1000, group-by: host}
            - {name: scanners, type: match, where: {field: message, matches: '(?i)sqlmap|nikto|masscan'}, group-by: host}
            - {name: traversal, type: match, where: {field: message, matches: '\\.\\./|/etc/passwd|%2e%2e'}}
            - {name: upstream-errors, type: match, where: [{field: message, matches: '" 50[234] '}, {field: status, gte: 502}], group-by: host}
            """;
    /** The 2 absences: on Kafka both engines go without them, as when docs/monitor.md's Kafka figures were taken. */
    static final String ABSENCES = """
            - {name: host-silent, type: absence, for: 1m, group-by: host}
            - {name: no-success, type: absence, where: {field: status, lt: 400}, for: 30s}
            """;

    @Option(names = "--events", paramLabel = "N", defaultValue = "1000000", description = "Events per round (default: ${DEFAULT-VALUE}).")
    private int events;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Rounds (default: ${DEFAULT-VALUE}); with --baseline, each side's, alternating.")
    private int rounds;

    @Option(names = "--events-per-message", paramLabel = "N", defaultValue = "100",
            description = "Events packed into one message, as the agent's delivery.events-per-message (default: ${DEFAULT-VALUE}).")
    private int perMessage;

    @Option(names = "--event-rate", paramLabel = "N", defaultValue = "10000",
            description = "Events per second of event time: how fast the events' timestamps advance (default: ${DEFAULT-VALUE}).")
    private int eventRate;

    @Option(names = "--baseline", paramLabel = "DIR",
            description = "Another checkout (e.g. a git worktree of main) whose bin/polybus bench monitor runs alternately with this one's, in child processes.")
    private Path baseline;

    @Option(names = "--engine", paramLabel = "ENGINE", split = ",", defaultValue = "embedded",
            description = "embedded or kafka-streams, or both (comma-separated: each round runs each, alternating); "
                    + "kafka-streams needs --bootstrap-servers (default: ${DEFAULT-VALUE}).")
    private List<String> engines;

    @Option(names = "--instances", paramLabel = "N", split = ",", defaultValue = "1",
            description = "engine: kafka-streams: monitors of the group, in this JVM (a Kafka Streams client and stream "
                    + "thread each); several counts run each, alternating (default: ${DEFAULT-VALUE}).")
    private List<Integer> instances;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Run on Kafka instead of the memory broker: the events go to a new topic of --partitions "
                    + "partitions there, and both engines run the 8 rules without the absences. A Kafka that does "
                    + "not answer is started with scripts/brokers up kafka (KAFKA_PORT from this option; set "
                    + "KAFKA_CONTROLLER_PORT when 9093 is taken).")
    private String bootstrapServers;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "6",
            description = "With --bootstrap-servers: partitions of the events topic (default: ${DEFAULT-VALUE}).")
    private int partitions;

    @Option(names = "--java-opts", paramLabel = "OPTS", defaultValue = "-Xms80m -Xmx128m -Xmn48m -XX:+UseSerialGC",
            description = "JVM flags of the child processes with --baseline (default: those bin/polybus gives the monitor, ${DEFAULT-VALUE}).")
    private String javaOpts;

    @Spec
    private CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;

    public MonitorBench(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** One round: events/s from first to last event evaluated, consumer CPU µs per event, peak RSS in MiB. */
    private record Round(double eventsPerSecond, double cpuMicrosPerEvent, double peakRssMiB) {
    }

    /** One engine with its number of monitors. */
    private record Setup(String engine, int instances) {
        boolean streams() {
            return engine.equals("kafka-streams");
        }

        String name() {
            return streams() ? engine + ", " + instances + (instances == 1 ? " monitor" : " monitors") : engine;
        }
    }

    @Override
    public Integer call() throws Exception {
        List<Setup> setups = new ArrayList<>();
        for (String engine : engines) {
            switch (engine) {
                case "embedded" -> setups.add(new Setup(engine, 1));
                case "kafka-streams" -> instances.forEach(n -> setups.add(new Setup(engine, n)));
                default -> throw new ParameterException(spec.commandLine(),
                        "--engine: '" + engine + "' is not valid; use embedded or kafka-streams");
            }
        }
        if (bootstrapServers == null && setups.stream().anyMatch(Setup::streams)) {
            throw new ParameterException(spec.commandLine(), "--engine kafka-streams needs --bootstrap-servers");
        }
        if (instances.stream().anyMatch(n -> n < 1)) {
            throw new ParameterException(spec.commandLine(), "--instances: every count must be at least 1");
        }
        if (baseline != null) {
            if (bootstrapServers != null || setups.size() != 1 || setups.get(0).streams()) {
                throw new ParameterException(spec.commandLine(), "--baseline compares the embedded engine on the memory broker only");
            }
            return compare();
        }
        if (bootstrapServers != null) {
            ensureKafka();
        }
        Map<Setup, List<Round>> results = new LinkedHashMap<>();
        setups.forEach(s -> results.put(s, new ArrayList<>()));
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < setups.size(); i++) {
                Setup setup = setups.get(r % 2 == 0 ? i : setups.size() - 1 - i);
                Round round = bootstrapServers == null ? round() : kafkaRound(setup);
                results.get(setup).add(round);
                err.printf("round %d, %s: %,.0f events/s, %.3f µs CPU/event, peak RSS %.0f MiB%n", r + 1, setup.name(),
                        round.eventsPerSecond(), round.cpuMicrosPerEvent(), round.peakRssMiB());
                if (setups.size() == 1) {
                    out.printf("%s %.1f %.4f %.1f%n", RESULT, round.eventsPerSecond(), round.cpuMicrosPerEvent(), round.peakRssMiB());
                }
            }
        }
        if (setups.size() > 1) {
            out.printf("The monitor, 8 rules (no absences), %,d nginx events per round (%d per message) on a %d-partition "
                    + "Kafka topic at %s, %d rounds alternating; CPU: the whole bench process (monitors and producer):%n%n",
                    events, perMessage, partitions, bootstrapServers, rounds);
            out.println("| engine | events/s, each round | median events/s | µs CPU/event (median) | peak RSS MiB (max) |");
            out.println("| --- | --- | --- | --- | --- |");
            results.forEach((setup, list) -> out.printf("| %s | %s | %,.0f | %.3f | %.0f |%n", setup.name(),
                    String.join(", ", list.stream().map(v -> String.format("%,.0f", v.eventsPerSecond())).toList()),
                    median(list.stream().map(Round::eventsPerSecond).toList()),
                    median(list.stream().map(Round::cpuMicrosPerEvent).toList()),
                    list.stream().mapToDouble(Round::peakRssMiB).max().orElse(0)));
        }
        return 0;
    }

    private void ensureKafka() throws IOException, InterruptedException {
        ProviderConfig settings = KafkaRawDriver.KEYS.parse(Config.of("bootstrap-servers", bootstrapServers));
        new BrokerStarter(BrokerStarter.defaultScript(), err).ensureUp("kafka", settings);
    }

    /** Alternates rounds of this checkout and the baseline, each in a child process, and prints a table. */
    private int compare() throws IOException, InterruptedException {
        Path self = Path.of(System.getenv().getOrDefault("POLYBUS_HOME", "."));
        Map<String, Path> sides = new LinkedHashMap<>();
        sides.put("baseline (" + baseline + ")", baseline);
        sides.put("this checkout (" + self.toAbsolutePath().normalize() + ")", self);
        Map<String, List<Round>> results = new LinkedHashMap<>();
        sides.keySet().forEach(k -> results.put(k, new ArrayList<>()));
        List<String> order = new ArrayList<>(sides.keySet());
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < order.size(); i++) {
                String name = order.get(r % 2 == 0 ? i : order.size() - 1 - i);
                err.println("round " + (r + 1) + ": " + name);
                results.get(name).add(child(sides.get(name)));
            }
        }
        out.printf("The monitor, 10 rules, %,d nginx events per round (%d per message), memory broker, one consumer thread, "
                + "JVM flags `%s`, %d rounds alternating:%n%n", events, perMessage, javaOpts, rounds);
        out.println("| engine | events/s, each round | median events/s | µs CPU/event (median) | peak RSS MiB (max) |");
        out.println("| --- | --- | --- | --- | --- |");
        results.forEach((name, list) -> out.printf("| %s | %s | %,.0f | %.3f | %.0f |%n", name,
                String.join(", ", list.stream().map(v -> String.format("%,.0f", v.eventsPerSecond())).toList()),
                median(list.stream().map(Round::eventsPerSecond).toList()),
                median(list.stream().map(Round::cpuMicrosPerEvent).toList()),
                list.stream().mapToDouble(Round::peakRssMiB).max().orElse(0)));
        List<List<Round>> both = new ArrayList<>(results.values());
        out.printf("%nThis checkout ÷ baseline: %.2f× the events/s, %.2f× the CPU per event.%n",
                median(both.get(1).stream().map(Round::eventsPerSecond).toList())
                        / median(both.get(0).stream().map(Round::eventsPerSecond).toList()),
                median(both.get(1).stream().map(Round::cpuMicrosPerEvent).toList())
                        / median(both.get(0).stream().map(Round::cpuMicrosPerEvent).toList()));
        return 0;
    }

    private Round child(Path home) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/polybus").toString(), "bench", "monitor",
                "--rounds", "1", "--events", Integer.toString(events), "--events-per-message", Integer.toString(perMessage),
                "--event-rate", Integer.toString(eventRate));
        pb.environment().put("JAVA_OPTS", javaOpts);
        pb.environment().remove("POLYBUS_HOME");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        Round round = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith(RESULT + " ")) {
                    String[] f = line.split(" ");
                    round = new Round(Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]));
                }
            }
        }
        int code = p.waitFor();
        if (code != 0 || round == null) {
            throw new IllegalStateException(home + "/bin/polybus bench monitor exited with " + code + " without a result");
        }
        return round;
    }

    private Round round() throws Exception {
        String topic = "bench-monitor-" + UUID.randomUUID();
        String yaml = "topic: " + topic + "\ngroup: monitor\nrules:\n" + (RULES + ABSENCES).indent(2);
        Map<String, NotifierProvider> notifiers = Components.load(NotifierProvider.class);
        MonitorConfig config = MonitorConfig.parse(YAML.readValue(yaml, Object.class), "monitor", notifiers);
        List<byte[]> pool = pool(new Random(42));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Broker broker = Brokers.open(Config.of("type", "memory", "name", topic))) {
            Thread producer = new Thread(() -> produce(broker, topic, pool), "bench-monitor-producer");
            producer.setDaemon(true);
            // The monitor's group exists once it subscribed: what is published before would not reach it.
            try (Monitor monitor = Monitor.builder(broker, config).console(new PrintStream(OutputStream.nullOutputStream())).start()) {
                monitor.bindTo(registry);
                long start = System.nanoTime();
                producer.start();
                long deadline = start + TimeUnit.MINUTES.toNanos(10);
                while (seen(registry) < events) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("within 10 minutes, only " + counts(registry) + " of " + events);
                    }
                    TimeUnit.MILLISECONDS.sleep(1);
                }
                long nanos = System.nanoTime() - start;
                long cpu = consumerCpuNanos(topic);
                if (registry.find("polybus.monitor.events").tag("outcome", "evaluated").functionCounter().count() != events) {
                    throw new IllegalStateException("not every event was evaluated: " + counts(registry));
                }
                return new Round(events * 1e9 / nanos, cpu / 1e3 / events, peakRssMiB());
            }
        }
    }

    /**
     * One round on Kafka: the monitors start and join their group, then a producer thread publishes the events; the
     * round ends when every event was evaluated and, with kafka-streams, when the group committed the events topic
     * and the repartition topic to their ends (every rule has seen every event). The round's topics are deleted after.
     */
    private Round kafkaRound(Setup setup) throws Exception {
        String topic = "bench-monitor-" + UUID.randomUUID();
        String group = topic + "-" + setup.engine();
        String yaml = "topic: " + topic + "\ngroup: " + group + "\n"
                + (setup.streams() ? "engine: kafka-streams\nkafka-streams.bootstrap.servers: " + bootstrapServers + "\n" : "")
                + "rules:\n" + RULES.indent(2);
        MonitorConfig config = MonitorConfig.parse(YAML.readValue(yaml, Object.class), "monitor",
                Components.load(NotifierProvider.class));
        List<byte[]> pool = pool(new Random(42));
        List<SimpleMeterRegistry> registries = new ArrayList<>();
        List<Monitor> monitors = new ArrayList<>();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
             Broker broker = Brokers.open(Config.of("type", "kafka", "bootstrap-servers", bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try {
                for (int i = 0; i < setup.instances(); i++) {
                    Monitor monitor = Monitor.builder(broker, config).console(new PrintStream(OutputStream.nullOutputStream())).start();
                    monitors.add(monitor);
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    monitor.bindTo(registry);
                    registries.add(registry);
                }
                awaitGroup(admin, group, setup.instances());
                Thread producer = new Thread(() -> produce(broker, topic, pool), "bench-monitor-producer");
                producer.setDaemon(true);
                long start = System.nanoTime();
                long cpuStart = os.getProcessCpuTime();
                producer.start();
                long deadline = start + TimeUnit.MINUTES.toNanos(10);
                List<String> processed = List.of(topic, group + "-by-rule-and-group-repartition");
                while (registries.stream().mapToDouble(MonitorBench::seen).sum() < events
                        || setup.streams() && !committedToEnd(admin, group, processed)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("within 10 minutes, only "
                                + registries.stream().map(MonitorBench::counts).toList() + " of " + events);
                    }
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                long nanos = System.nanoTime() - start;
                long cpu = os.getProcessCpuTime() - cpuStart;
                double evaluated = registries.stream().mapToDouble(r -> r.find("polybus.monitor.events")
                        .tag("outcome", "evaluated").functionCounter().count()).sum();
                if (evaluated != events) {
                    throw new IllegalStateException("not every event was evaluated: "
                            + registries.stream().map(MonitorBench::counts).toList());
                }
                return new Round(events * 1e9 / nanos, cpu / 1e3 / events, peakRssMiB());
            } finally {
                monitors.forEach(Monitor::close);
                List<String> mine = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                        .filter(t -> t.startsWith(topic)).toList();
                admin.deleteTopics(mine).all().get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** Waits (at most 2 minutes) until {@code group} is stable with {@code members} members, each with partitions. */
    private static void awaitGroup(Admin admin, String group, int members) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            ConsumerGroupDescription d;
            try {
                d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException) || System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(100);
                continue;
            }
            if (d.groupState() == GroupState.STABLE && d.members().size() == members
                    && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("group " + group + " not stable with " + members
                        + " members within 2 minutes: " + d.groupState() + ", " + d.members().size() + " members");
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /**
     * Whether {@code group} committed every partition of {@code topics} to its end; a transactional topic's last
     * entry can be a commit marker, one past the last record.
     */
    private static boolean committedToEnd(Admin admin, String group, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
        for (String t : topics) {
            admin.describeTopics(List.of(t)).allTopicNames().get(30, TimeUnit.SECONDS).get(t).partitions()
                    .forEach(p -> ends.put(new TopicPartition(t, p.partition()), OffsetSpec.latest()));
        }
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long end = e.getValue().offset();
            if (c == null ? end > 0 : c.offset() < end - 1) {
                return false;
            }
        }
        return true;
    }

    private static double seen(SimpleMeterRegistry registry) {
        return registry.find("polybus.monitor.events").functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

    private static String counts(SimpleMeterRegistry registry) {
        StringBuilder s = new StringBuilder();
        registry.find("polybus.monitor.events").functionCounters().forEach(c -> s.append(c.getId().getTag("outcome"))
                .append('=').append((long) c.count()).append(' '));
        return s.toString().trim();
    }

    /** The CPU time of the memory broker's dispatcher thread of the monitor's group, which runs the rules. */
    private static long consumerCpuNanos(String topic) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("polybus-memory-" + topic + "-monitor")) {
                return threads.getThreadCpuTime(t.getId());
            }
        }
        throw new IllegalStateException("the monitor's consumer thread was not found");
    }

    /** The process's peak resident set ({@code VmHWM} of /proc/self/status), in MiB; 0 where there is none. */
    private static double peakRssMiB() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return 0;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return 0;
    }

    /**
     * Publishes {@link #events} events from the pool, packed; each gets its own time (advancing at {@link #eventRate}
     * per second, ending now) and source offset, written into the template's fixed-width places.
     */
    private void produce(Broker broker, String topic, List<byte[]> pool) {
        long end = System.currentTimeMillis();
        long first = end - (long) events * 1000 / eventRate;
        DateTimeFormatter seconds = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
        EventPack pack = new EventPack();
        long second = Long.MIN_VALUE;
        byte[] prefix = null;
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < events; i++) {
                byte[] event = pool.get(i % pool.size());
                long at = first + (long) i * 1000 / eventRate;
                if (at / 1000 != second) {
                    second = at / 1000;
                    prefix = seconds.format(Instant.ofEpochSecond(second)).getBytes(StandardCharsets.US_ASCII);
                }
                System.arraycopy(prefix, 0, event, TIME_AT, prefix.length);
                writeDigits(event, TIME_AT + 20, 3, at % 1000);
                writeDigits(event, offsetAt(event), 13, OFFSET_BASE + i);
                pack.add(event);
                if (pack.count() == perMessage || i == events - 1) {
                    producer.send(pack.take(Message.builder(topic)));
                }
            }
            producer.flush();
        }
    }

    private static final int TIME_AT = "{\"timestamp\":\"".length();
    private static final long OFFSET_BASE = 1_000_000_000_000L;
    private static final byte[] OFFSET_KEY = "\"offset\":".getBytes(StandardCharsets.US_ASCII);

    private static int offsetAt(byte[] event) {
        outer:
        for (int i = 0; i < event.length - OFFSET_KEY.length; i++) {
            for (int j = 0; j < OFFSET_KEY.length; j++) {
                if (event[i + j] != OFFSET_KEY[j]) {
                    continue outer;
                }
            }
            return i + OFFSET_KEY.length;
        }
        throw new IllegalStateException("no offset in the template");
    }

    private static void writeDigits(byte[] into, int at, int width, long value) {
        for (int i = width - 1; i >= 0; i--) {
            into[at + i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** Distinct nginx events as the agent writes them (combined line parsed), with room for a time and an offset. */
    private static List<byte[]> pool(Random random) {
        List<byte[]> pool = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            String host = String.format("web-%02d", 1 + random.nextInt(20));
            String ip = "203.0." + random.nextInt(256) + "." + (1 + random.nextInt(254));
            int p = random.nextInt(1000);
            int status = p < 30 ? 502 + random.nextInt(3) : p < 50 ? 500 : p < 90 ? 404 : p < 100 ? 403 : 200;
            String method = random.nextInt(10) == 0 ? "POST" : "GET";
            String uri = random.nextInt(500) == 0 ? "/static/../../etc/passwd" : "/api/v1/items/" + random.nextInt(200);
            int bytes = random.nextInt(100) == 0 ? 600_000 + random.nextInt(100_000) : 200 + random.nextInt(20_000);
            String time = random.nextInt(100) == 0 ? "1." + (100 + random.nextInt(900)) : "0.0" + (10 + random.nextInt(90));
            String agent = random.nextInt(1000) == 0 ? "sqlmap/1.8.2#stable (https://sqlmap.org)" : AGENTS[random.nextInt(AGENTS.length)];
            String line = ip + " - - [07/Dec/2026:12:00:00 +0000] \\\"" + method + " " + uri + " HTTP/1.1\\\" " + status + " "
                    + bytes + " \\\"-\\\" \\\"" + agent + "\\\"";
            String json = "{\"timestamp\":\"2026-12-07T12:00:00.000Z\",\"host\":\"" + host + "\",\"message\":\"" + line
                    + "\",\"source\":{\"type\":\"file\",\"name\":\"nginx\",\"path\":\"/var/log/nginx/access.log\","
                    + "\"file_id\":\"2049:131074:9f86d081\",\"offset\":" + OFFSET_BASE + "},\"fields\":{\"request_method\":\""
                    + method + "\",\"request_uri\":\"" + uri + "\",\"status\":" + status + ",\"body_bytes_sent\":" + bytes
                    + ",\"request_time\":" + time + "}}";
            pool.add(json.getBytes(StandardCharsets.UTF_8));
        }
        return pool;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
