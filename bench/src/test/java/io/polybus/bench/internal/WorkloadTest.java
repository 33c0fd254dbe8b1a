package io.polybus.bench.internal;

import io.polybus.Config;
import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadTest {
    private static final Map<String, String> ENV = Map.of();

    @TempDir
    Path dir;

    @Test
    void emptyWorkloadTakesTheDefaults() {
        Workload w = Workload.parse("{}", null);

        assertEquals(100, w.messageSize());
        assertEquals(List.of(0L), w.rates(), "max rate");
        assertEquals(Duration.ofSeconds(30), w.duration());
        assertEquals(List.of("localhost:9092"), w.broker("kafka").getList("bootstrap-servers"));
        assertEquals(5672, w.broker("rabbitmq").getInt("port"));
        assertEquals("guest", w.broker("rabbitmq").findPassword("password").orElseThrow().value());
        assertFalse(w.broker("memory").has("polybus"), "the provider's own defaults");
        assertEquals(Workload.Phases.TOGETHER, w.phases());
        assertEquals(1, w.repeat());
        assertFalse(w.messageIds());
    }

    @Test
    void readsMessageIds() {
        Workload w = Workload.parse("message-ids: true", null);

        assertTrue(w.messageIds());
        assertEquals(true, w.describe().get("message-ids"));
        assertFalse(Workload.parse("message-ids: true", null, Map.of("message-ids", "False"), ENV::get).messageIds(),
                "as from --message-ids");
        ConfigException bad = assertThrows(ConfigException.class, () -> Workload.parse("message-ids: sometimes", null));
        assertTrue(bad.getMessage().contains("message-ids") && bad.getMessage().contains("sometimes")
                && bad.getMessage().contains("true or false"), bad.getMessage());
    }

    @Test
    void readsPhasesAndRepeat() {
        Workload w = Workload.parse("""
                phases: separate
                repeat: 3
                """, null);

        assertEquals(Workload.Phases.SEPARATE, w.phases());
        assertEquals(3, w.repeat());
        assertEquals("separate", w.describe().get("phases"));
        assertEquals(3, w.describe().get("repeat"));
        assertEquals(Workload.Phases.TOGETHER, Workload.parse("phases: Together", null).phases());
        assertEquals(7, Workload.parse("repeat: 3", null, Map.of("repeat", "7"), ENV::get).repeat(), "as from --repeat");
    }

    @Test
    void readsASweepSizesAndBrokerSettings() {
        Workload w = Workload.parse("""
                message-size: 1KiB
                rate: [max, 1000, 10_000]
                messages: 5000
                brokers:
                  redis: {port: 6380}
                """, null);

        assertEquals(1024, w.messageSize());
        assertEquals(List.of(0L, 1000L, 10_000L), w.rates());
        assertEquals(5000, w.messages());
        assertEquals(6380, w.broker("redis").getInt("port"));
        assertEquals("127.0.0.1", w.broker("redis").getString("host"), "defaults fill the keys left out");
    }

    @Test
    void produceThenConsumeWorkloadMeasuresEachSideAloneWithPolybusKafkaOnOnePartition() {
        Workload w = Workload.read(Path.of("workloads/produce-then-consume.yaml"));

        assertEquals(Workload.Phases.SEPARATE, w.phases());
        assertEquals(3, w.repeat());
        assertEquals(1_000_000, w.messages());
        assertEquals(List.of(0L), w.rates());
        assertEquals(1, w.partitions());
        assertEquals(Config.of("type", "kafka", "bootstrap-servers", "localhost:9092", "partitions", "1", "linger", "5ms",
                "batch-size", "64KiB"), w.broker("kafka").get("polybus", Config.class));
        assertEquals(Map.of("acks", "all", "enable.idempotence", "true", "linger.ms", "5", "batch.size", "65536",
                "compression.type", "none"), w.broker("kafka").getMap("producer"));
    }

    @Test
    void payloadFileIsResolvedAgainstTheWorkloadAndSetsTheSize() throws Exception {
        Files.write(dir.resolve("payload.bin"), new byte[300]);
        Path file = dir.resolve("w.yaml");
        Files.writeString(file, "payload-file: payload.bin\n");

        Workload w = Workload.read(file);

        assertEquals(300, w.messageSize());
        assertEquals(dir.resolve("payload.bin"), w.payloadFile());
    }

    @Test
    void badValuesNameKeyValueAndWhatIsAccepted() {
        assertProblem("message-size: 10", "message-size: '10' is not valid; expected a size of at least 32 bytes");
        assertProblem("rate: fast", "rate: 'fast' is not valid; expected max, a positive number of messages per second");
        assertProblem("rate: [max, 1000, -5]", "rate[2]: '-5' is not valid; expected max, a positive number");
        assertProblem("rate: []", "rate: expected at least one rate");
        assertProblem("key-distribution: zipf", "key-distribution: 'zipf' is not valid; expected one of round-robin, random");
        assertProblem("phases: apart", "phases: 'apart' is not valid; expected one of together, separate");
        assertProblem("message-ids: sometimes", "message-ids: 'sometimes' is not valid; expected true or false");
        assertProblem("duration: 0s", "duration: '0s' is not valid; expected a duration of at least 1ms");
        assertProblem("warmup: soon", "warmup: 'soon' is not valid; expected a duration with its unit, such as 500ms, 30s");
        assertProblem("warmup: 10", "warmup: '10' is not valid; expected a duration with its unit, such as 500ms, 30s, 5m, 1h or PT30S (a bare number has none: add ms or s)");
        assertProblem("partitons: 3", "partitons: unknown key for workload 'polybus bench'; known keys: name, topics, partitions");
        for (String bad : new String[] {"0", "-1", "101"}) {
            assertProblem("repeat: " + bad, "repeat: '" + bad + "' is not valid; expected a value from 1 to 100");
        }
        assertProblem("repeat: three", "repeat: 'three' is not valid; expected a whole number");
    }

    @Test
    void brokerSettingsAreCheckedAgainstTheRawDriversAndTheProvidersKeys() {
        assertProblem("brokers: {kafka: {bootstrap-servers: localhost}}",
                "brokers.kafka.bootstrap-servers: 'localhost' is not valid; expected a list of host:port");
        assertProblem("brokers: {redis: {prt: 6380}}",
                "brokers.redis.prt: unknown key for broker settings 'redis'; known keys: host, port, password, pipeline, batch, polybus");
        assertProblem("brokers: {rabbitmq: {prefetch: 0}}", "brokers.rabbitmq.prefetch: '0' is not valid; expected a value from 1 to 65535");
        assertProblem("brokers: {memory: {polybus: {max-group-byte: 1GiB}}}", "brokers.memory.polybus.max-group-byte: unknown key");
        assertProblem("brokers: {memory: {polybus: {max-group-bytes: lots}}}", "brokers.memory.polybus.max-group-bytes: 'lots' is not valid");
        assertProblem("brokers: {memory: {host: x}}", "brokers.memory.host: unknown key for broker settings 'memory'; known keys: polybus");
        assertProblem("brokers: {redis: 6380}", "brokers.redis: expected a mapping of settings");
        assertProblem("brokers: redis", "brokers: 'redis' is not valid; expected a mapping of broker types to their settings");

        Workload w = Workload.parse("brokers: {carrier-pigeon: {polybus: {anything: 1}}}", null);
        assertEquals(Config.of("type", "carrier-pigeon", "anything", "1"), w.broker("carrier-pigeon").get("polybus", Config.class),
                "a type without a provider here is passed on as it is (and skipped when run)");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> Workload.parse("""
                topics: 0
                rate: [max, fast]
                phases: apart
                duration: ${BENCH_DURATION}
                brokers: {redis: {port: x}, memory: {polybus: {max-group-bytes: lots}}}
                partitons: 3
                """, null, Map.of(), ENV::get));

        assertEquals(List.of("duration", "partitons", "topics", "rate[1]", "phases", "brokers.redis.port",
                "brokers.memory.polybus.max-group-bytes"), e.problems().stream().map(ConfigException.Problem::key).toList());
        assertTrue(e.getMessage().contains("BENCH_DURATION"), e.getMessage());
        assertFalse(e.getMessage().contains("'${BENCH_DURATION}' is not valid"), "the placeholder is reported once: " + e.getMessage());
    }

    @Test
    void placeholdersAreExpandedFromTheEnvironment() throws Exception {
        Path secret = dir.resolve("password");
        Files.writeString(secret, "s3cret\n");
        Map<String, String> env = Map.of("BENCH_RATES", "1000,2000", "REDIS_HOST", "redis.example");

        Workload w = Workload.parse("""
                rate: ${BENCH_RATES}
                duration: ${BENCH_DURATION:-1m}
                brokers:
                  redis: {host: "${REDIS_HOST}", password: "${file:%s}"}
                """.formatted(secret), null, Map.of(), env::get);

        assertEquals(List.of(1000L, 2000L), w.rates());
        assertEquals(Duration.ofMinutes(1), w.duration());
        assertEquals("redis.example", w.broker("redis").getString("host"));
        assertEquals("s3cret", w.broker("redis").findPassword("password").orElseThrow().value());
    }

    @Test
    void fixedCountWorkloadTakesItsAddressesFromTheEnvironment() {
        Workload w = Workload.read(Path.of("workloads/fixed-count.yaml"), Map.of(),
                Map.of("KAFKA_BOOTSTRAP", "kafka.example:19092")::get);

        assertEquals(List.of("kafka.example:19092"), w.broker("kafka").getList("bootstrap-servers"));
        assertEquals("kafka.example:19092", w.broker("kafka").get("polybus", Config.class).get("bootstrap-servers").orElseThrow());
        assertEquals("127.0.0.1", w.broker("redis").getString("host"), "the default where the variable is not set");
    }

    @Test
    void commandLineOverridesGoThroughTheSameKeysAndAreNamedAfterTheirOption() {
        String yaml = "messages: 5000\nrate: 100\nwarmup: 1s\n";
        Workload w = Workload.parse(yaml, null, Map.of("duration", "2m", "rate", "max,500", "warmup", "PT3S"), ENV::get);

        assertEquals(Duration.ofMinutes(2), w.duration());
        assertEquals(0, w.messages(), "--duration measures for a time instead of a message count");
        assertEquals(List.of(0L, 500L), w.rates());
        assertEquals(Duration.ofSeconds(3), w.warmup());

        ConfigException e = assertThrows(ConfigException.class,
                () -> Workload.parse(yaml, null, Map.of("repeat", "0", "message-ids", "yes"), ENV::get));
        assertTrue(e.getMessage().contains("--repeat: '0' is not valid; expected a value from 1 to 100")
                && e.getMessage().contains("--message-ids: 'yes' is not valid; expected true or false"), e.getMessage());
    }

    @Test
    void describeShowsDurationsInTheGrammarOfTheFile() {
        Map<String, Object> d = Workload.parse("warmup: PT2S\nduration: 90s\ndrain-timeout: 1500ms\n", null).describe();

        assertEquals("2s", d.get("warmup"));
        assertEquals("90s", d.get("duration"));
        assertEquals("1500ms", d.get("drain-timeout"));
        assertEquals("-", Workload.parse("messages: 10", null).describe().get("duration"), "measured by count");
    }

    @Test
    void payloadFileProblemsNameTheFile() throws Exception {
        Files.write(dir.resolve("small.bin"), new byte[10]);

        assertProblem("payload-file: " + dir.resolve("small.bin"),
                "payload-file: '" + dir.resolve("small.bin") + "' is not valid; expected a readable file of at least 32 bytes: "
                        + dir.resolve("small.bin") + " has 10 bytes");
        assertProblem("payload-file: " + dir.resolve("missing.bin"), "no file at " + dir.resolve("missing.bin"));
        Files.write(dir.resolve("payload.bin"), new byte[300]);
        assertProblem("payload-file: " + dir.resolve("payload.bin") + "\nmessage-size: 1KiB",
                "message-size: leave it out: payload-file sets the size");
    }

    /** Every workload shipped in bench/workloads/ reads without a problem. */
    @Test
    void everyShippedWorkloadParses() throws Exception {
        List<Path> files;
        try (Stream<Path> listed = Files.list(Path.of("workloads"))) {
            files = listed.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        List<String> failures = new ArrayList<>();
        for (Path file : files) {
            try {
                Workload.read(file, Map.of(), ENV::get);
            } catch (ConfigException e) {
                failures.add(file + ": " + e.getMessage());
            }
        }

        assertTrue(files.size() >= 5, () -> "workloads found: " + files);
        assertEquals(List.of(), failures);
    }

    private static void assertProblem(String yaml, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> Workload.parse(yaml, null, Map.of(), ENV::get));
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }
}
