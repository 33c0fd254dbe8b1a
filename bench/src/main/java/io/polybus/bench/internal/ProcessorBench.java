package io.polybus.bench.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.agent.Agent;
import io.polybus.events.ComponentContext;
import io.polybus.events.Components;
import io.polybus.events.MutableEvent;
import io.polybus.events.Origin;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.processors.MmdbWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code polybus bench processors}: each processor's events/s on one thread (one core), then the agent's rate on
 * nginx JSON lines with {@code json} alone and with {@code json} + {@code geoip} + {@code user-agent}, side by side,
 * rounds alternating, on the memory broker. The GeoIP databases are written by the bench (City and ASN, many
 * networks) so that no licensed file is needed; the lines' clients and browsers repeat as a web server's do.
 */
@Command(name = "processors", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Each processor's events/s on one core, and the agent with json vs json + geoip + user-agent on the memory broker.")
public final class ProcessorBench implements Callable<Integer> {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String[] AGENTS = {
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70",
            "curl/8.5.0", "Go-http-client/1.1", "python-requests/2.32.3",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"};

    @Option(names = "--events", paramLabel = "N", defaultValue = "300000", description = "Events per processor measurement (default: ${DEFAULT-VALUE}).")
    private int events;

    @Option(names = "--agent-lines", paramLabel = "N", defaultValue = "200000", description = "Lines of the agent comparison's file (default: ${DEFAULT-VALUE}).")
    private int agentLines;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Rounds of the agent comparison, alternating (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--networks", paramLabel = "N", defaultValue = "20000", description = "/24 networks in the GeoIP databases the bench writes (default: ${DEFAULT-VALUE}).")
    private int networks;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "5000", description = "Distinct client addresses in the lines (default: ${DEFAULT-VALUE}).")
    private int clients;

    private final PrintStream out;
    private final PrintStream err;

    public ProcessorBench(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /**
     * One measurement: a processor's YAML, the lines it reads and the fields each event has before it; a slow one
     * (a parser without its cache) runs {@code divisor} times fewer events.
     */
    private record Case(String name, String yaml, List<String> lines, List<Map<String, Object>> fields, int divisor) {
        Case(String name, String yaml, List<String> lines, List<Map<String, Object>> fields) {
            this(name, yaml, lines, fields, 1);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("polybus-bench-processors");
        try {
            Random random = new Random(42);
            List<String> subnets = subnets(random);
            Path city = dir.resolve("bench-City.mmdb");
            Path asn = dir.resolve("bench-ASN.mmdb");
            writeDatabases(subnets, city, asn, random);
            List<String> ips = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                ips.add(i % 20 == 0 ? "198.18." + random.nextInt(256) + "." + random.nextInt(256)
                        : subnets.get(random.nextInt(subnets.size())) + "." + (1 + random.nextInt(254)));
            }
            int distinct = 2000;
            List<String> json = new ArrayList<>();
            List<String> combined = new ArrayList<>();
            List<Map<String, Object>> parsed = new ArrayList<>();
            for (int i = 0; i < distinct; i++) {
                String ip = ips.get(zipf(random, ips.size()));
                String ua = AGENTS[zipf(random, AGENTS.length)];
                int status = random.nextInt(20) == 0 ? 502 : 200;
                int bytes = 200 + random.nextInt(20000);
                String uri = "/api/v1/items/" + random.nextInt(1000) + "?page=" + random.nextInt(10);
                String time = String.format("07/Dec/2026:00:%02d:%02d +0000", random.nextInt(60), random.nextInt(60));
                json.add(nginxJson(ip, time, uri, status, bytes, ua));
                combined.add(ip + " - - [" + time + "] \"GET " + uri + " HTTP/1.1\" " + status + " " + bytes + " \"-\" \"" + ua + "\"");
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("remote_addr", ip);
                f.put("time_local", time);
                f.put("status", String.valueOf(status));
                f.put("body_bytes_sent", String.valueOf(bytes));
                f.put("request_time", "0.0" + random.nextInt(100));
                f.put("http_user_agent", ua);
                parsed.add(f);
            }
            List<String> kv = combined.stream().map(l -> "level=info status=200 took=12ms msg=\"request done\" path=/api/v1/items user=u" + l.length()).toList();
            List<Map<String, Object>> none = List.of(Map.of());
            String dbs = "[" + city + ", " + asn + "]";
            List<Case> cases = List.of(
                    new Case("(no processor: reset and preset fields)", null, json, parsed),
                    new Case("json", "{type: json}", json, none),
                    new Case("combined", "{type: combined}", combined, none),
                    new Case("grok %{COMBINEDAPACHELOG}", "{type: grok, patterns: ['%{COMBINEDAPACHELOG}']}", combined, none),
                    new Case("dissect", "{type: dissect, pattern: '%{client} %{ident} %{auth} [%{time}] \"%{method} %{uri} %{proto}\" %{status} %{bytes} \"%{referrer}\" \"%{agent}\"'}", combined, none),
                    new Case("regex", "{type: regex, pattern: '^(?<client>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] \"(?<method>\\S+) (?<uri>\\S+)', numbers: []}", combined, none),
                    new Case("kv", "{type: kv}", kv, none),
                    new Case("date", "{type: date, field: time_local, formats: ['dd/MMM/yyyy:HH:mm:ss Z']}", json, parsed),
                    new Case("convert", "{type: convert, fields: {status: integer, body_bytes_sent: integer, request_time: float}}", json, parsed),
                    new Case("route", "{type: route, routes: [{when: {field: status, gte: 500}, topic: errors}, {when: {field: tags, contains: _x}, topic: x}]}", json, parsed),
                    new Case("filter", "{type: filter, drop-when: {field: status, gte: 500}}", json, parsed),
                    new Case("sample by key", "{type: sample, rate: 10, key: '{remote_addr}'}", json, parsed),
                    new Case("user-agent (cache)", "{type: user-agent}", json, parsed),
                    new Case("user-agent (no cache)", "{type: user-agent, cache-size: 0}", json, parsed, 100),
                    new Case("geoip city+asn (cache)", "{type: geoip, databases: " + dbs + "}", json, parsed),
                    new Case("geoip city+asn (no cache)", "{type: geoip, databases: " + dbs + ", cache-size: 0}", json, parsed, 10));
            Map<String, ProcessorProvider> types = Components.load(ProcessorProvider.class);
            out.println("Each processor on one thread, after a warm-up of a third as many events for every one"
                    + " (" + distinct + " distinct lines, " + clients + " clients, " + AGENTS.length + " user agents, "
                    + networks + " networks in the GeoIP databases):");
            out.println();
            out.println("| processor | events measured | events/s |");
            out.println("| --- | --- | --- |");
            List<Measured> measured = new ArrayList<>();
            for (Case c : cases) {
                err.println("warming up " + c.name());
                measured.add(prepare(c, types));
            }
            for (Measured m : measured) {
                err.println("measuring " + m.name());
                int n = events / m.divisor();
                out.printf("| %s | %,d | %,.0f |%n", m.name(), n, m.perSecond(n));
            }
            out.println();
            agentComparison(dir, json, dbs);
            return 0;
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A case's processor and events, warmed up: every case is run once before any is measured. */
    private record Measured(String name, Processor processor, MutableEvent event, byte[][] lines, List<Map<String, Object>> fields,
                            int divisor) {
        double perSecond(int n) {
            long start = System.nanoTime();
            run(processor, event, lines, fields, n);
            return n * 1e9 / (System.nanoTime() - start);
        }
    }

    private Measured prepare(Case c, Map<String, ProcessorProvider> types) throws IOException {
        Processor p = c.yaml() == null ? (event, chain) -> chain.proceed(event)
                : Components.parse("processor", types, null, YAML.readValue(c.yaml(), Map.class), "processors[0]", null)
                .create(new ComponentContext("bench", "bench", null, Clock.systemUTC(), null));
        byte[][] lines = c.lines().stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        Measured m = new Measured(c.name(), p, new MutableEvent("bench", "file", "bench", StandardCharsets.UTF_8), lines, c.fields(),
                c.divisor());
        run(p, m.event(), lines, c.fields(), events / 3 / c.divisor());
        return m;
    }

    private static void run(Processor p, MutableEvent e, byte[][] lines, List<Map<String, Object>> fields, int n) {
        Processor.Chain end = ev -> { };
        for (int i = 0; i < n; i++) {
            byte[] line = lines[i % lines.length];
            e.reset(line, 0, line.length, 0L, Origin.NONE, i);
            Map<String, Object> f = fields.get(i % fields.size());
            if (!f.isEmpty()) {
                e.fields().putAll(f);
            }
            p.process(e, end);
        }
    }

    private void agentComparison(Path dir, List<String> json, String dbs) throws Exception {
        Path log = dir.resolve("access.json");
        StringBuilder sb = new StringBuilder(agentLines * 400);
        for (int i = 0; i < agentLines; i++) {
            sb.append(json.get(i % json.size())).append('\n');
        }
        Files.writeString(log, sb);
        Map<String, String> chains = new LinkedHashMap<>();
        chains.put("json", "[{type: json}]");
        chains.put("json + geoip + user-agent", "[{type: json}, {type: geoip, field: remote_addr, databases: " + dbs
                + "}, {type: user-agent, field: http_user_agent}]");
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        chains.keySet().forEach(k -> rates.put(k, new ArrayList<>()));
        List<String> order = new ArrayList<>(chains.keySet());
        List<String> reversed = new ArrayList<>(order);
        Collections.reverse(reversed);
        for (int r = 0; r < rounds; r++) {
            for (String name : r % 2 == 0 ? order : reversed) {
                err.println("agent round " + (r + 1) + ": " + name);
                rates.get(name).add(agentRate(dir, log, chains.get(name)));
            }
        }
        out.println("The agent on " + agentLines + " nginx JSON lines (" + Files.size(log) / agentLines
                + " B each), memory broker, `--once`, " + rounds + " rounds alternating; lines/s from start to every event acknowledged:");
        out.println();
        out.println("| processors | lines/s, each round | median | of json alone |");
        out.println("| --- | --- | --- | --- |");
        double base = median(rates.get("json"));
        rates.forEach((name, list) -> out.printf("| %s | %s | %,.0f | %.0f%% |%n", name,
                String.join(", ", list.stream().map(v -> String.format("%,.0f", v)).toList()), median(list), 100 * median(list) / base));
    }

    private double agentRate(Path dir, Path log, String processors) throws Exception {
        Path data = dir.resolve("data-" + UUID.randomUUID());
        String yaml = "agent:\n  host: bench\n  data-dir: '" + data + "'\n  checkpoints: false\n"
                + "broker:\n  type: memory\n  name: bench-" + UUID.randomUUID() + "\n"
                + "sources:\n  - name: nginx\n    type: file\n    paths: ['" + log + "']\n    topic: nginx\n"
                + "    processors: " + processors + "\n";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        long start = System.nanoTime();
        Agent agent = Agent.fromYaml(yaml, registry);
        try {
            agent.start(new Agent.RunOptions(true, new ByteArrayInputStream(new byte[0])));
            if (!agent.awaitSourcesEnded(Duration.ofMinutes(10))) {
                throw new IllegalStateException("the agent did not read its file within 10 minutes");
            }
            if (!agent.stop()) {
                throw new IllegalStateException("the broker did not acknowledge every event");
            }
        } finally {
            agent.close();
        }
        long nanos = System.nanoTime() - start;
        double acked = registry.find("polybus.agent.events.acked").functionCounters().stream().mapToDouble(c -> c.count()).sum()
                + registry.find("polybus.agent.events.acked").counters().stream().mapToDouble(c -> c.count()).sum();
        if (acked != agentLines) {
            throw new IllegalStateException(acked + " events acknowledged of " + agentLines);
        }
        return agentLines * 1e9 / nanos;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** An index in [0, n), small ones far more often (a web server's clients and browsers). */
    private static int zipf(Random random, int n) {
        return (int) Math.min(n - 1, Math.floor(Math.pow(n + 1, random.nextDouble()) - 1));
    }

    private List<String> subnets(Random random) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (out.size() < networks) {
            int a = 1 + random.nextInt(223);
            if (a == 10 || a == 100 || a == 127 || a == 172 || a == 192 || a == 198) {
                continue;
            }
            String s = a + "." + random.nextInt(256) + "." + random.nextInt(256);
            if (seen.add(s)) {
                out.add(s);
            }
        }
        return out;
    }

    private void writeDatabases(List<String> subnets, Path city, Path asn, Random random) throws IOException {
        String[][] places = {{"GB", "United Kingdom", "London"}, {"DE", "Germany", "Berlin"}, {"FR", "France", "Paris"},
                {"US", "United States", "Chicago"}, {"JP", "Japan", "Tokyo"}, {"BR", "Brazil", "São Paulo"}};
        MmdbWriter c = new MmdbWriter("GeoLite2-City");
        MmdbWriter a = new MmdbWriter("GeoLite2-ASN");
        for (String s : subnets) {
            String[] place = places[random.nextInt(places.length)];
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("city", Map.of("geoname_id", (long) random.nextInt(1 << 24), "names", Map.of("en", place[2], "de", place[2], "fr", place[2])));
            record.put("continent", Map.of("code", "EU", "names", Map.of("en", "Europe")));
            record.put("country", Map.of("geoname_id", (long) random.nextInt(1 << 24), "iso_code", place[0], "names", Map.of("en", place[1], "de", place[1])));
            record.put("location", Map.of("accuracy_radius", 50, "latitude", random.nextDouble() * 120 - 60, "longitude", random.nextDouble() * 360 - 180,
                    "time_zone", "Europe/London"));
            c.insert(s + ".0/24", record);
            a.insert(s + ".0/24", Map.of("autonomous_system_number", (long) (1000 + random.nextInt(60000)),
                    "autonomous_system_organization", "Example Networks " + random.nextInt(500)));
        }
        c.write(city);
        a.write(asn);
    }

    private static String nginxJson(String ip, String time, String uri, int status, int bytes, String ua) {
        return "{\"time_local\":\"" + time + "\",\"remote_addr\":\"" + ip + "\",\"remote_user\":\"\",\"request\":\"GET " + uri
                + " HTTP/1.1\",\"status\":" + status + ",\"body_bytes_sent\":" + bytes + ",\"request_time\":0.012,"
                + "\"http_referer\":\"\",\"http_user_agent\":\"" + ua + "\",\"upstream_response_time\":\"0.010\"}";
    }
}
