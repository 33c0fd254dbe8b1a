package io.polybus.agent.internal;

import io.polybus.events.Template;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.events.Processor;
import io.polybus.agent.internal.hostmetrics.HostMetricsConfig;
import io.polybus.cli.internal.MetricsConfig;
import io.polybus.monitor.MonitorConfig;
import io.polybus.monitor.internal.ConfigBinder;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The agent's whole configuration, parsed and validated. {@link #parse} reports every problem at once,
 * each with its path ({@code sources[1].multiline.start}), including the broker section's.
 */
public record Settings(String host, Path dataDir, boolean checkpoints, Duration checkpointInterval, Duration checkpointExpiry,
                       Delivery delivery, Console console, List<Source> sources, Config broker,
                       Optional<MonitorConfig> monitor, Optional<MetricsConfig> metrics,
                       Optional<HostMetricsConfig> hostMetrics) {

    public static final String DEFAULT_TOPIC = "logs";

    /** How events reach the broker. */
    public record Delivery(long maxBytesInFlight, int batchEvents, int eventsPerMessage, long maxMessageBytes,
                           Duration sendTimeout, Duration retryBackoff, Duration retryBackoffMax,
                           Duration shutdownTimeout) {
    }

    /** What the agent prints for people while it runs ({@code agent --show} turns it on too). */
    public record Console(Duration summaryInterval, int samples) {
        public boolean enabled() {
            return !summaryInterval.isZero();
        }
    }

    /** Multi-line joining: a line matching {@code start} begins an event, others continue it. */
    public record Multiline(Pattern start, Duration timeout, int maxLines) {
    }

    /**
     * One source of events. {@code type} is {@code file}, {@code stdin} or {@code syslog}; {@code syslog} is
     * null unless the type is {@code syslog}.
     */
    public record Source(String name, String type, List<String> paths, List<String> exclude, boolean startAtEnd,
                         Charset charset, int maxEventBytes, boolean truncate, Multiline multiline,
                         int fingerprintBytes, int maxOpenFiles, Duration scanInterval, Duration closeInactive,
                         Duration closeRemovedAfter, Template topic, Template key, List<Processor> processors,
                         Syslog syslog) {

        /** This source with {@code first} run before its configured processors. */
        Source withFirstProcessor(Processor first) {
            List<Processor> all = new ArrayList<>();
            all.add(first);
            all.addAll(processors);
            return new Source(name, type, paths, exclude, startAtEnd, charset, maxEventBytes, truncate, multiline,
                    fingerprintBytes, maxOpenFiles, scanInterval, closeInactive, closeRemovedAfter, topic, key,
                    List.copyOf(all), syslog);
        }
    }

    /**
     * A syslog listener: {@code tcp} or {@code udp} on {@code listen}; for TCP at most {@code maxConnections}
     * senders at once, with RFC 6587 {@code framing} {@code auto}, {@code octet-counting} or {@code newline}.
     */
    public record Syslog(String protocol, InetSocketAddress listen, int maxConnections, String framing) {
        public boolean tcp() {
            return protocol.equals("tcp");
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * Reads and validates a configuration file.
     *
     * @throws ConfigException listing every problem
     */
    public static Settings load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), null, "configuration file not found");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), null, "cannot read configuration file: " + e.getMessage());
        }
        return parse(text, System::getenv);
    }

    /**
     * Parses YAML text, expanding {@code ${VAR}} and {@code ${VAR:-default}} with {@code environment}.
     *
     * @throws ConfigException listing every problem
     */
    public static Settings parse(String yaml, Function<String, String> environment) {
        Object tree;
        try {
            tree = YAML.readValue(yaml, Object.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException("yaml", null, "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
        if (tree != null && !(tree instanceof Map<?, ?>)) {
            throw new ConfigException("yaml", null, "the document must be a mapping with sources, broker, ...");
        }
        List<ConfigException.Problem> problems = new ArrayList<>();
        ConfigNode root = new ConfigNode((Map<?, ?>) tree, "", problems, environment);

        ConfigNode agent = root.child("agent");
        String host = agent.string("host", null);
        if (host == null || host.isBlank()) {
            host = defaultHost(environment);
        }
        Path dataDir = Path.of(agent.string("data-dir", "data"));
        boolean checkpoints = agent.bool("checkpoints", true);
        Duration checkpointInterval = agent.duration("checkpoint-interval", Duration.ofSeconds(1), Duration.ofMillis(10));
        Duration checkpointExpiry = agent.duration("checkpoint-expiry", Duration.ofDays(7), Duration.ofSeconds(1));
        agent.finish();

        ConfigNode d = root.child("delivery");
        Delivery delivery = new Delivery(
                d.size("max-bytes-in-flight", 1L << 20, 64 << 10, 1L << 34),
                d.integer("batch-events", 2048, 1, 1 << 20),
                d.integer("events-per-message", 1, 1, 1 << 16),
                d.size("max-message-bytes", 256 << 10, 1 << 10, 1L << 30),
                d.duration("send-timeout", Duration.ofSeconds(30), Duration.ofMillis(1)),
                d.duration("retry-backoff", Duration.ofMillis(200), Duration.ofMillis(1)),
                d.duration("retry-backoff-max", Duration.ofSeconds(10), Duration.ofMillis(1)),
                d.duration("shutdown-timeout", Duration.ofSeconds(30), Duration.ZERO));
        d.finish();

        ConfigNode c = root.child("console");
        Console console = new Console(c.duration("summary-interval", Duration.ZERO, Duration.ZERO),
                c.integer("samples", 1, 0, 100));
        c.finish();

        List<Source> sources = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<ConfigNode> sourceNodes = root.children("sources");
        if (sourceNodes.isEmpty() && !root.has("sources")) {
            problems.add(new ConfigException.Problem("sources", null,
                    "required: a list of sources, e.g. [{type: file, paths: [/var/log/*.log]}]"));
        }
        for (int i = 0; i < sourceNodes.size(); i++) {
            Source s = source(sourceNodes.get(i), i);
            if (s != null && !names.add(s.name())) {
                sourceNodes.get(i).problem("name", s.name(), "expected a name no other source has");
            }
            sources.add(s);
        }

        Object brokerTree = root.rawValue("broker");
        Config broker = Config.of("type", "memory");
        if (brokerTree instanceof Map<?, ?> m) {
            Map<String, Object> expanded = expand(m, "broker", environment, problems);
            broker = Config.of(expanded);
            if (!broker.contains("type")) {
                broker = broker.with("type", "memory");
            }
        } else if (brokerTree != null) {
            problems.add(new ConfigException.Problem("broker", null, "expected a mapping such as {type: kafka, bootstrap-servers: ...}"));
        }
        for (ConfigException.Problem p : Brokers.validate(broker)) {
            problems.add(new ConfigException.Problem("broker." + p.key(), p.value(), p.accepted()));
        }
        Optional<MonitorConfig> monitor = section(root, yaml, environment, problems, "monitor", MonitorConfig::bind);
        Optional<MetricsConfig> metrics = section(root, yaml, environment, problems, "metrics", MetricsConfig::bind);
        Optional<HostMetricsConfig> hostMetrics = section(root, yaml, environment, problems, "host-metrics", HostMetricsConfig::bind);
        root.finish();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Settings(host, dataDir, checkpoints, checkpointInterval, checkpointExpiry, delivery, console, List.copyOf(sources), broker,
                monitor, metrics, hostMetrics);
    }

    /**
     * A section the monitor's binder owns ({@code monitor}, {@code metrics}, {@code host-metrics}), bound when
     * present: the agent runs the monitor, the metrics endpoint and the host-metrics source beside itself.
     */
    private static <T> Optional<T> section(ConfigNode root, String yaml, Function<String, String> environment,
                                           List<ConfigException.Problem> problems, String name,
                                           BiFunction<JsonNode, String, T> binder) {
        if (root.rawValue(name) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(binder.apply(ConfigBinder.readYaml(yaml, environment).path(name), name));
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return Optional.empty();
        }
    }

    private static Map<String, Object> expand(Map<?, ?> map, String path, Function<String, String> env,
                                              List<ConfigException.Problem> problems) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (v instanceof Map<?, ?> nested) {
                out.put(key, expand(nested, path + "." + key, env, problems));
            } else if (v instanceof List<?> list) {
                List<String> items = new ArrayList<>();
                for (Object item : list) {
                    items.add(resolve(String.valueOf(item), path + "." + key, env, problems));
                }
                out.put(key, items);
            } else if (v != null) {
                out.put(key, resolve(String.valueOf(v), path + "." + key, env, problems));
            }
        }
        return out;
    }

    private static String resolve(String value, String path, Function<String, String> env,
                                  List<ConfigException.Problem> problems) {
        try {
            return Config.expand(value, env);
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigException.Problem(path, null, e.getMessage()));
            return value;
        }
    }

    private static String defaultHost(Function<String, String> environment) {
        String env = environment.apply("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static Source source(ConfigNode n, int index) {
        String type = n.oneOf("type", "file", "file", "stdin", "syslog");
        String name = n.string("name", type + "-" + index);
        boolean syslog = type.equals("syslog");
        List<String> paths = syslog ? List.of() : n.strings("paths");
        List<String> exclude = syslog ? List.of() : n.strings("exclude");
        if (type.equals("file") && paths.isEmpty()) {
            n.problem("paths", null, "required for a file source: glob patterns such as /var/log/nginx/*.log or logs/**/*.log");
        }
        if (type.equals("stdin") && !paths.isEmpty()) {
            n.problem("paths", null, "not used by a stdin source");
        }
        boolean startAtEnd = !syslog && n.oneOf("start-at", "beginning", "beginning", "end").equals("end");
        String charsetName = n.string("encoding", "UTF-8");
        Charset charset = StandardCharsets.UTF_8;
        try {
            charset = Charset.forName(charsetName);
            if (!"\n".equals(new String("\n".getBytes(charset), StandardCharsets.ISO_8859_1))) {
                n.problem("encoding", charsetName, "expected a charset that encodes newline as the byte 0x0A (UTF-8, ISO-8859-1, windows-1252, ...)");
                charset = StandardCharsets.UTF_8;
            }
        } catch (IllegalArgumentException e) {
            n.problem("encoding", charsetName, "expected a charset name such as UTF-8 or ISO-8859-1");
        }
        int maxEventBytes = (int) n.size("max-event-bytes", syslog ? 64 << 10 : 1 << 20, 16, 64L << 20);
        boolean truncate = n.oneOf("oversize", "split", "split", "truncate").equals("truncate");
        Multiline multiline = null;
        if (!syslog && n.has("multiline")) {
            ConfigNode m = n.child("multiline");
            Pattern start = m.pattern("start");
            if (start == null && !m.has("start")) {
                m.problem("start", null, "required: a regular expression matching the first line of an event, e.g. ^\\d{4}-\\d{2}-\\d{2}");
            }
            multiline = new Multiline(start, m.duration("timeout", Duration.ofSeconds(1), Duration.ofMillis(1)),
                    m.integer("max-lines", 500, 1, 1_000_000));
            m.finish();
        }
        int fingerprintBytes = syslog ? 0 : (int) n.size("fingerprint-bytes", 1024, 1, 1 << 20);
        int maxOpenFiles = syslog ? 0 : n.integer("max-open-files", 1024, 1, 1 << 20);
        Duration scanInterval = syslog ? null : n.duration("scan-interval", Duration.ofSeconds(1), Duration.ofMillis(10));
        Duration closeInactive = syslog ? null : n.duration("close-inactive", Duration.ofMinutes(5), Duration.ofMillis(10));
        Duration closeRemoved = syslog ? null : n.duration("close-removed-after", Duration.ofSeconds(5), Duration.ZERO);
        Syslog listener = syslog ? syslog(n) : null;
        Template topic = template(n, "topic", DEFAULT_TOPIC);
        Template key = n.has("key") ? template(n, "key", null) : null;
        List<Processor> processors = new ArrayList<>();
        for (ConfigNode p : n.children("processors")) {
            processors.add(Processors.build(p));
        }
        n.finish();
        if (processors.stream().anyMatch(Objects::isNull)) {
            return null;
        }
        return new Source(name, type, paths, exclude, startAtEnd, charset, maxEventBytes, truncate, multiline,
                fingerprintBytes, maxOpenFiles, scanInterval, closeInactive, closeRemoved, topic, key, List.copyOf(processors),
                listener);
    }

    /** The keys of a {@code syslog} source; the file keys ({@code paths}, {@code multiline}, ...) are unknown there. */
    private static Syslog syslog(ConfigNode n) {
        String protocol = n.oneOf("protocol", "udp", "udp", "tcp");
        String listenText = n.string("listen", "127.0.0.1:5514");
        InetSocketAddress listen = address(listenText);
        if (listen == null) {
            n.problem("listen", listenText, "expected host:port with a port from 0 to 65535, such as 127.0.0.1:5514, "
                    + "0.0.0.0:514 or [::1]:5514 (the host must resolve)");
            listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5514);
        }
        boolean tcp = protocol.equals("tcp");
        if (!tcp) {
            for (String key : List.of("max-connections", "framing")) {
                if (n.has(key)) {
                    n.problem(key, null, "used with protocol: tcp only (a UDP datagram is one message)");
                }
            }
        }
        int maxConnections = n.integer("max-connections", 100, 1, 100_000);
        String framing = n.oneOf("framing", "auto", "auto", "octet-counting", "newline");
        return new Syslog(protocol, listen, maxConnections, framing);
    }

    /** {@code host:port} or {@code [ipv6]:port}, resolved; null when it is not one. */
    private static InetSocketAddress address(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return null;
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            return null;
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (port < 0 || port > 65535 || host.isBlank()) {
            return null;
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        return address.isUnresolved() ? null : address;
    }

    private static Template template(ConfigNode n, String key, String defaultValue) {
        String text = n.string(key, defaultValue);
        if (text == null) {
            return null;
        }
        try {
            return Template.parse(text);
        } catch (IllegalArgumentException e) {
            n.problem(key, text, "expected text with optional {field} references: " + e.getMessage());
            return Template.parse(defaultValue == null ? "unknown" : defaultValue);
        }
    }
}
