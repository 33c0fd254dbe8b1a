package io.polybus.sinks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.events.ComponentContext;
import io.polybus.events.Components;
import io.polybus.events.EventPack;
import io.polybus.events.SinkProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file sink on the memory broker, into a folder of the test's own. */
class FileSinkTest {
    private static final Map<String, SinkProvider> SINKS = Components.load(SinkProvider.class);

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String topic = "logs-" + id;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Broker broker;
    @TempDir
    Path dir;

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        volatile Instant now = Instant.parse("2026-12-06T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeEach
    void open() {
        broker = Brokers.open(Config.of("type", "memory", "name", "file-" + id));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private SinkRunner start(String sink, Clock clock) {
        Map<String, Object> section = Config.readYaml("sinks:\n  topic: " + topic + "\n  max-batch-wait: 50ms\n  outputs:\n    - "
                + sink + "\n", Map.<String, String>of()::get);
        SinksConfig config = SinksConfig.parse(section.get("sinks"), "sinks", SINKS);
        SinkRunner runner = SinkRunner.start(broker, config, new ComponentContext("sinks", "h", broker, clock, null),
                SinkRunner.defaultHealth());
        runner.bindTo(registry);
        return runner;
    }

    private double written() {
        FunctionCounter c = registry.find("polybus.sink.events").tag("sink", "files").functionCounter();
        return c == null ? 0 : c.count();
    }

    private static String event(String host, String hour, int n) {
        return "{\"timestamp\":\"2026-12-06T" + hour + ":15:00.5Z\",\"host\":\"" + host + "\",\"message\":\"line " + n
                + "\",\"source\":{\"type\":\"file\",\"file_id\":\"1:2:f\",\"offset\":" + n + "},\"fields\":{\"service\":\"api\"}}";
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<String> lines(Path file, InputStream in) throws IOException {
        try (in) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        }
    }

    @Test
    void zstdFilesPerHostAndHourAreWrittenAsPartAndRenamedWhenClosed() throws Exception {
        List<String> sent = new ArrayList<>();
        String path = dir + "/{host}/{yyyy}/{MM}/{dd}/logs-{HH}.ndjson.zst";
        try (SinkRunner runner = start("{type: file, name: files, path: '" + path + "'}", Clock.systemUTC());
             Producer producer = broker.producer()) {
            for (int i = 0; i < 40; i++) {
                String e = event(i % 2 == 0 ? "web-1" : "web-2", i < 20 ? "10" : "11", i);
                sent.add(e);
                producer.send(Message.builder(topic).payload(e).build()).get();
            }
            EventPack pack = new EventPack();
            for (int i = 40; i < 50; i++) {
                String e = event("web-1", "11", i);
                sent.add(e);
                pack.add(e.getBytes(StandardCharsets.UTF_8));
            }
            producer.send(pack.take(Message.builder(topic))).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> written() == 50);
            List<Path> open = files();
            assertEquals(4, open.size(), open.toString());
            assertTrue(open.stream().allMatch(p -> p.toString().endsWith(".ndjson.zst.part")), "still being written: " + open);
            int durable = 0;
            for (Path p : open) {
                durable += lines(p, new ZstdInputStream(Files.newInputStream(p))).size();
            }
            assertEquals(50, durable, "every acknowledged event is in its file, whole frames, before the file is rolled");
        }
        List<Path> done = files();
        assertEquals(List.of(dir.resolve("web-1/2026/12/06/logs-10.ndjson.zst"), dir.resolve("web-1/2026/12/06/logs-11.ndjson.zst"),
                dir.resolve("web-2/2026/12/06/logs-10.ndjson.zst"), dir.resolve("web-2/2026/12/06/logs-11.ndjson.zst")), done);
        List<String> read = new ArrayList<>();
        for (Path p : done) {
            read.addAll(lines(p, new ZstdInputStream(Files.newInputStream(p))));
        }
        assertEquals(sent.stream().sorted().toList(), read.stream().sorted().toList(), "every event once");
        assertEquals(sent.stream().filter(e -> e.contains("web-1") && e.contains("T11:")).sorted().toList(),
                lines(done.get(1), new ZstdInputStream(Files.newInputStream(done.get(1)))).stream().sorted().toList(),
                "each in the file of its host and hour");
    }

    @Test
    void gzipFilesAreRolledBySizeAndByAge() throws Exception {
        TestClock clock = new TestClock();
        List<String> sent = new ArrayList<>();
        String path = dir + "/out/logs.ndjson.gz";
        try (SinkRunner runner = start("{type: file, name: files, path: '" + path + "', max-file-size: 1KiB, max-file-age: 1m}", clock);
             Producer producer = broker.producer()) {
            for (int i = 0; i < 30; i++) {
                String e = event("web-1", "10", i);
                sent.add(e);
                producer.send(Message.builder(topic).payload(e).build()).get();
                if (i % 5 == 4) {
                    int n = i + 1;
                    await().atMost(Duration.ofSeconds(30)).until(() -> written() == n);
                }
            }
            long rolled = files().stream().filter(p -> !p.toString().endsWith(".part")).count();
            assertTrue(rolled >= 3, "rolled at 1 KiB of NDJSON each: " + files());
            assertEquals(1, files().stream().filter(p -> p.toString().endsWith(".part")).count());

            clock.now = clock.now.plus(Duration.ofMinutes(2));
            String late = event("web-1", "10", 30);
            sent.add(late);
            producer.send(Message.builder(topic).payload(late).build()).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> written() == 31);
            assertEquals(rolled + 1, files().stream().filter(p -> !p.toString().endsWith(".part")).count(),
                    "the file open for longer than max-file-age is rolled at the next write");
        }
        List<Path> done = files();
        assertTrue(done.stream().noneMatch(p -> p.toString().endsWith(".part")), done.toString());
        assertTrue(done.contains(dir.resolve("out/logs.ndjson.gz")), done.toString());
        List<String> read = new ArrayList<>();
        for (Path p : done) {
            read.addAll(lines(p, new GZIPInputStream(Files.newInputStream(p))));
        }
        assertEquals(sent.stream().sorted().toList(), read.stream().sorted().toList(), "every event once across the rolled files");
    }

    @Test
    void anEventWhoseJsonSpansLinesIsWrittenAsOneLine() throws Exception {
        String one = event("web-1", "10", 1);
        List<String> sent = List.of(
                "{\n\"timestamp\":" + one.substring(one.indexOf(':') + 1),
                one.substring(0, one.length() - 1) + "\r\n}",
                one.replace(",\"host\"", ",\r\"host\""),
                "{\"message\":\"a\"\n}",
                one);
        String path = dir + "/out/logs.ndjson";
        try (SinkRunner runner = start("{type: file, name: files, path: '" + path + "'}", Clock.systemUTC());
             Producer producer = broker.producer()) {
            for (String e : sent) {
                producer.send(Message.builder(topic).payload(e).build()).get();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> written() == sent.size());
        }
        List<String> read = lines(dir.resolve("out/logs.ndjson"), Files.newInputStream(dir.resolve("out/logs.ndjson")));
        assertEquals(sent.size(), read.size(), "one line per event: " + read);
        assertTrue(read.contains(one), "an event on one line is written as it came: " + read);
        assertTrue(read.stream().noneMatch(l -> l.contains("\r")), read.toString());
        ObjectMapper json = new ObjectMapper();
        List<String> events = new ArrayList<>();
        for (String e : read) {
            events.add(json.readTree(e).toString());
        }
        List<String> expected = new ArrayList<>();
        for (String e : sent) {
            expected.add(json.readTree(e).toString());
        }
        assertEquals(expected.stream().sorted().toList(), events.stream().sorted().toList(), "the same events");
    }

    @Test
    void aPathTemplateThatDoesNotParseIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> start("{type: file, path: '/data/{host/x.ndjson'}", Clock.systemUTC()));
        assertTrue(e.getMessage().contains("outputs[0].path"), e.getMessage());
    }
}
