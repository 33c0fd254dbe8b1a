package io.polybus.appender.logback;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.MDC;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Caller-thread cost per log call and events/s, side by side in one run: Logback's AsyncAppender + FileAppender,
 * com.github.danielwegener:logback-kafka-appender, and the Polybus appender, the last two to one Kafka broker in a
 * JVM of its own. Not a test: run it with {@code main} (see docs/appenders.md for the command).
 */
public final class AppenderBenchmark {
    private static final String TEXT = "order placed by customer with a cart of several items and a discount code applied";

    private AppenderBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        int warmup = events / 5;
        Path dir = Files.createTempDirectory("polybus-appender-bench-");
        try (OwnServer kafka = new OwnServer.Kafka()) {
            kafka.start();
            String servers = "localhost:" + kafka.port;
            System.out.printf("%d log calls per appender after %d to warm up, one thread; Kafka %s%n", events, warmup,
                    servers);
            System.out.printf("%-38s %10s %10s %10s %10s %12s%n", "appender", "p50 ns", "p99 ns", "p99.9 ns",
                    "max ns", "events/s");
            String file = "<appender name='FILE' class='ch.qos.logback.core.FileAppender'><file>" + dir.resolve("app.log")
                    + "</file><encoder><pattern>%d %thread %level %logger %msg%n</pattern></encoder></appender>"
                    + "<appender name='A' class='ch.qos.logback.classic.AsyncAppender'><appender-ref ref='FILE'/>"
                    + "<maxFlushTime>0</maxFlushTime></appender>";
            run("logback AsyncAppender + FileAppender", file, null, null, events, warmup);
            String topic = "bench-kafka-appender-" + System.nanoTime();
            String peer = "<appender name='A' class='com.github.danielwegener.logback.kafka.KafkaAppender'>"
                    + "<encoder><pattern>%d %thread %level %logger %msg</pattern></encoder><topic>" + topic + "</topic>"
                    + "<keyingStrategy class='com.github.danielwegener.logback.kafka.keying.NoKeyKeyingStrategy'/>"
                    + "<deliveryStrategy class='com.github.danielwegener.logback.kafka.delivery.AsynchronousDeliveryStrategy'/>"
                    + "<producerConfig>bootstrap.servers=" + servers + "</producerConfig></appender>";
            run("danielwegener logback-kafka-appender", peer, servers, topic, events, warmup);
            topic = "bench-polybus-" + System.nanoTime();
            String polybus = "<appender name='A' class='io.polybus.appender.logback.PolybusAppender'><broker>type=kafka;"
                    + " bootstrap-servers=" + servers + "</broker><topic>" + topic + "</topic><spoolDir>"
                    + dir.resolve("spool") + "</spoolDir></appender>";
            run("polybus PolybusAppender", polybus, servers, topic, events, warmup);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(String name, String appender, String servers, String topic, int events, int warmup)
            throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(MDC.getMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        String xml = "<configuration>" + appender + "<root level='INFO'><appender-ref ref='A'/></root></configuration>";
        configurator.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Logger log = context.getLogger("com.example.Shop");
        for (int i = 0; i < warmup; i++) {
            log.info("warm-up {} {}", i, TEXT);
        }
        if (topic != null) {
            awaitOffsets(servers, topic, warmup);
        }
        Histogram caller = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            long t = System.nanoTime();
            log.info("event {} {}", i, TEXT);
            caller.recordValue(System.nanoTime() - t);
        }
        if (topic != null) {
            awaitOffsets(servers, topic, warmup + events);
        } else {
            context.stop();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        context.stop();
        System.out.printf("%-38s %10d %10d %10d %10d %12.0f%n", name, caller.getValueAtPercentile(50),
                caller.getValueAtPercentile(99), caller.getValueAtPercentile(99.9), caller.getMaxValue(),
                events / seconds);
    }

    /** Waits until the topic holds {@code count} records (the end offsets of its partitions add up to it). */
    private static void awaitOffsets(String servers, String topic, long count) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (System.nanoTime() < deadline) {
                Set<String> names = admin.listTopics().names().get();
                if (names.contains(topic)) {
                    List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get()
                            .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
                    long total = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p,
                            p -> OffsetSpec.latest()))).all().get().values().stream().mapToLong(o -> o.offset()).sum();
                    if (total >= count) {
                        return;
                    }
                }
                Thread.sleep(5);
            }
            throw new IllegalStateException(topic + " did not reach " + count + " records in 5 minutes");
        }
    }
}
