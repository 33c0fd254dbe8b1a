package io.polybus.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.Producer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three monitors with {@code engine: kafka-streams}, each a JVM of its own, on a 6-partition events topic of an
 * in-process Kafka; one is killed with SIGKILL inside an open transaction, later the one notifying is killed while the
 * webhook holds its notice. Every expected alert is notified exactly once (firing and resolved) through a real webhook,
 * each notice carries the exact count (10 units and one event when it fires, the burst's size when it resolves), and
 * the alerts topic itself (committed transactions) holds each notice once.
 *
 * <p>The events, in units of {@link #SCALE} (538 events by default): {@value #HOSTS} hosts over {@value #WINDOWS}
 * tumbling 1-hour windows of event time; each host bursts (11 to 19 units, above the threshold of 10) in the windows where
 * {@code (window + host) % 3 == 1}, and sends 1 to 5 units in the others; the last two windows are quiet, so every
 * burst resolves: 1,860 units (1,000,680 events by default), 80 alerts (160 notices). The windows are sent one at a
 * time, each once the previous one is processed (committed offsets at the end of the events and repartition topics);
 * window {@value #KILL_WINDOW} is sent in parts over about 3 s, and the first victim, a monitor not reading the alerts topic, is killed in its
 * middle once its stream thread's transaction is open and young (the monitors commit every
 * {@value #COMMIT_INTERVAL_MS} ms), so the kill always leaves a transaction for the broker to abort. Pacing by
 * window keeps every task's clock (its latest event time) inside the window its lagging events belong to: a task's
 * clock does not wait for a lagging upstream partition (docs/monitor.md, "Time"), so a burst whose events are held
 * up behind a kill would otherwise be judged in a later window. The events lie in the first half of their window, so
 * the clock, which runs on with the wall clock during the seconds a kill stalls a task, stays inside it too.
 *
 * <p>Before window {@value #NOTIFIER_KILL_WINDOW} the webhook starts holding requests unanswered; the monitor whose
 * notice it holds first (the one reading the alerts topic) is killed, and what it had sent is dropped unrecorded: it
 * died between the alert being written and its notice being acknowledged, so the monitor that takes over the alerts
 * topic must notify it (and whatever that monitor had queued) again. The last monitor then runs alone. A monitor
 * dying after the webhook answered and before it committed the offset can still notify a notice twice (documented);
 * the test does not aim a kill at those milliseconds.
 */
class KafkaStreamsInstancesTest {
    /**
     * Every count of events is this many times that of the pattern described above: 538 (1,000,680 events) unless the
     * system property {@code polybus.kill-test.scale} says otherwise (the monitors' JVMs are given the same).
     */
    private static final int SCALE = Integer.getInteger("polybus.kill-test.scale", 538);
    static final String RULES = "    - {name: burst, type: threshold, window: 1h, window-type: tumbling, above: " + 10 * SCALE
            + ", resolve-after: 0s, group-by: host}\n";
    /** The monitors' transaction timeout: how long a killed monitor's open transaction holds up read_committed reads. */
    static final int TRANSACTION_TIMEOUT_MS = 5000;
    /** The monitors' commit interval: long enough that the test can kill one inside an open transaction. */
    static final int COMMIT_INTERVAL_MS = 2000;
    private static final int HOSTS = 30;
    private static final int WINDOWS = 10;
    private static final int KILL_WINDOW = 4;
    private static final int NOTIFIER_KILL_WINDOW = 7;
    private static final int INSTANCES = 3;
    private static final long WINDOW_MILLIS = Duration.ofHours(1).toMillis();
    private static final int EVENTS = IntStream.range(0, HOSTS)
            .map(h -> IntStream.range(0, WINDOWS).map(w -> eventCount(h, w)).sum()).sum();
    /** How long one window's events may take to be processed (well over what they take on a busy 2-core machine). */
    private static final Duration WINDOW_WAIT = Duration.ofSeconds(120);
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger log = LoggerFactory.getLogger(KafkaStreamsInstancesTest.class);

    private final List<Process> monitors = new ArrayList<>();
    private KafkaClusterTestKit kafka;
    private WebhookReceiver receiver;
    private final long t0 = System.nanoTime();

    private record Event(long at, String host) {
    }

    private static int burst(int host, int window) {
        return window < WINDOWS - 2 && (window + host) % 3 == 1 ? SCALE * (11 + (host * 7 + window) % 9) : 0;
    }

    private static int eventCount(int host, int window) {
        int b = burst(host, window);
        return b > 0 ? b : SCALE * (1 + (host + window) % 5);
    }

    /**
     * The events of window {@code w}, in event-time order, all in its first half: a task's clock runs on with the wall
     * clock while a kill stalls it, and must not leave the window before the stalled events arrive.
     */
    private static List<Event> events(int w) {
        List<Event> all = new ArrayList<>();
        for (int h = 0; h < HOSTS; h++) {
            int n = eventCount(h, w);
            for (int i = 0; i < n; i++) {
                all.add(new Event(T0.toEpochMilli() + w * WINDOW_MILLIS + (i + 1) * (WINDOW_MILLIS / 2 / (n + 1)), "h" + h));
            }
        }
        all.sort(Comparator.comparingLong(Event::at));
        return all;
    }

    /**
     * The expected notices, {@code host/window/status} to the count each carries: 11 when it fires, the burst's size
     * when it resolves.
     */
    private static Map<String, Long> expected() {
        Map<String, Long> expected = new TreeMap<>();
        for (int h = 0; h < HOSTS; h++) {
            for (int w = 0; w < WINDOWS; w++) {
                int n = burst(h, w);
                if (n > 0) {
                    expected.put("h" + h + "/w" + w + "/firing", 10L * SCALE + 1);
                    expected.put("h" + h + "/w" + w + "/resolved", (long) n);
                }
            }
        }
        return expected;
    }

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void everyAlertIsNotifiedOnceWithExactCountsWhenAProcessingAndTheNotifyingMonitorAreKilled() throws Exception {
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("in-process Kafka asked to exit the test JVM (" + code + "): " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("in-process Kafka asked to halt the test JVM (" + code + "): " + message);
        });
        Path logs = Files.createDirectories(Path.of("target", "kafka-streams-instances"));
        String topic = "instances-" + UUID.randomUUID();
        String group = "monitor-" + UUID.randomUUID();
        kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "3")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "3")
                .setConfigProp("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("group.min.session.timeout.ms", "1000").build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
        receiver = new WebhookReceiver(0);
        String bootstrap = kafka.bootstrapServers();
        Map<String, Long> expected = expected();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             Broker broker = Brokers.open(Config.of("type", "kafka", "bootstrap-servers", bootstrap));
             Producer producer = broker.producer()) {
            admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get(30, TimeUnit.SECONDS);
            for (int i = 0; i < INSTANCES; i++) {
                monitors.add(startMonitor(bootstrap, topic, group, receiver.url(), logs.resolve(group + "-" + i + ".log"),
                        logs.resolve(group + "-" + i + ".started"), clientId(group, i)));
            }
            for (int i = 0; i < INSTANCES; i++) {
                Path started = logs.resolve(group + "-" + i + ".started");
                Process p = monitors.get(i);
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(started) || !p.isAlive());
                assertTrue(p.isAlive(), "monitor " + i + " ended; see " + logs.resolve(group + "-" + i + ".log"));
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> stableWithTasks(admin, group, INSTANCES) && stableWithTasks(admin, notifiers(group), -1));
            note("3 monitors running, groups stable");
            List<String> processed = List.of(topic, group + "-by-rule-and-group-repartition");
            long sending = System.nanoTime();
            for (int w = 0; w < KILL_WINDOW; w++) {
                send(producer, topic, events(w));
                awaitProcessed(admin, group, processed, WINDOW_WAIT);
            }
            note("windows 0-" + (KILL_WINDOW - 1) + " processed, " + receiver.accepted().size() + " notices");
            int victim = victim(admin, group);
            String victimTransactions = transactionalId(logs.resolve(group + "-" + victim + ".log"), group);
            List<Event> paced = events(KILL_WINDOW);
            int half = paced.size() / 2;
            int step = Math.max(1, paced.size() / 400);
            sendPaced(producer, topic, paced.subList(0, half), Duration.ofMillis(1500));
            while (!youngTransaction(admin, victimTransactions)) {
                assertTrue(half < paced.size(), "monitor " + victim + " had no transaction open while window "
                        + KILL_WINDOW + " was sent");
                int next = Math.min(paced.size(), half + step);
                send(producer, topic, paced.subList(half, next));
                half = next;
                TimeUnit.MILLISECONDS.sleep(10);
            }
            long lag = lag(admin, group, topic);
            monitors.get(victim).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            long killedAt = System.currentTimeMillis();
            note("killed monitor " + victim + " (" + clientId(group, victim) + ", transactions "
                    + victimTransactions.substring(group.length() + 1) + ") in an open transaction, with " + lag
                    + " events of the topic not yet committed");
            sendPaced(producer, topic, paced.subList(half, paced.size()), Duration.ofMillis(1500));
            awaitProcessedWatchingTransactions(admin, group, processed, Duration.ofSeconds(120), killedAt);
            note("window " + KILL_WINDOW + " processed " + (System.currentTimeMillis() - killedAt) + " ms after the kill");
            for (int w = KILL_WINDOW + 1; w < NOTIFIER_KILL_WINDOW; w++) {
                send(producer, topic, events(w));
                awaitProcessed(admin, group, processed, WINDOW_WAIT);
            }
            // Every notice so far sent and committed: the kill below is aimed at the window's notices only.
            awaitNotified(admin, bootstrap, group);
            note("windows up to " + (NOTIFIER_KILL_WINDOW - 1) + " processed and notified, " + receiver.accepted().size()
                    + " notices");
            receiver.hold();
            send(producer, topic, events(NOTIFIER_KILL_WINDOW));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).alias("a notice held")
                    .until(() -> !receiver.held().isEmpty());
            String notifying = receiver.held().get(0);
            int second = IntStream.range(0, INSTANCES).filter(i -> clientId(group, i).equals(notifying)).findFirst()
                    .orElseThrow(() -> new AssertionError("a notice from an unknown sender: " + notifying));
            monitors.get(second).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            long secondKilledAt = System.currentTimeMillis();
            receiver.release(notifying);
            note("killed monitor " + second + " (" + notifying + ") while the webhook held its notice; held "
                    + receiver.held());
            awaitProcessedWatchingTransactions(admin, group, processed, Duration.ofSeconds(120), secondKilledAt);
            for (int w = NOTIFIER_KILL_WINDOW + 1; w < WINDOWS; w++) {
                send(producer, topic, events(w));
                awaitProcessed(admin, group, processed, WINDOW_WAIT);
            }
            double seconds = (System.nanoTime() - sending) / 1e9;
            note("all " + EVENTS + " events processed in " + Math.round(seconds) + " s, two kills included ("
                    + Math.round(EVENTS / seconds) + " events/s), " + receiver.accepted().size() + " notices");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!notices(receiver.accepted()).keySet().containsAll(expected.keySet()) && System.nanoTime() < until) {
                TimeUnit.MILLISECONDS.sleep(200);
            }
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).alias("3 s for late duplicates")
                    .until(() -> true);
            note("done; " + receiver.accepted().size() + " notices, " + receiver.abandoned() + " abandoned");
            assertExactlyOnce(expected, notices(receiver.accepted()), "notified");
            assertExactlyOnce(expected, notices(alertsTopic(bootstrap, group + "-alerts").notices()), "on the alerts topic");
            assertTrue(receiver.abandoned() > 0, "no notice of the killed notifying monitor was left unanswered");
        }
    }

    @AfterEach
    void stopEverything() throws Exception {
        try {
            for (Process p : monitors) {
                try {
                    p.getOutputStream().close();
                } catch (IOException e) {
                    p.destroyForcibly();
                }
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (Process p : monitors) {
                long left = until - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                }
            }
            for (Process p : monitors) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            if (receiver != null) {
                receiver.close();
            }
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    private void note(String what) {
        log.info("+{} ms: {}", (System.nanoTime() - t0) / 1_000_000, what);
    }

    private static String clientId(String group, int instance) {
        return group + "-m" + instance;
    }

    private static String notifiers(String group) {
        return group + "-notifiers";
    }

    /** Whether {@code group} is stable with {@code members} members (any number when negative), each with partitions
     * when a member count is given. */
    private static boolean stableWithTasks(Admin admin, String group, int members) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(10, TimeUnit.SECONDS);
        if (d.groupState() != GroupState.STABLE) {
            return false;
        }
        if (members < 0) {
            return d.members().size() == INSTANCES;
        }
        return d.members().size() == members
                && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
    }

    /** The transactional id of a monitor's stream thread, from the producer configuration its log shows. */
    private static String transactionalId(Path log, String group) throws IOException {
        Matcher m = Pattern.compile("transactional\\.id = (" + Pattern.quote(group) + "-\\S+)").matcher(Files.readString(log));
        assertTrue(m.find(), "no transactional.id in " + log);
        return m.group(1);
    }

    /**
     * Whether the transaction {@code id} is open and began less than half a commit interval ago, so it stays open
     * for a while yet (each monitor commits every {@value #COMMIT_INTERVAL_MS} ms).
     */
    private static boolean youngTransaction(Admin admin, String id) throws Exception {
        TransactionDescription d = admin.describeTransactions(List.of(id)).all().get(10, TimeUnit.SECONDS).get(id);
        return d.state() == TransactionState.ONGOING && d.transactionStartTimeMs().isPresent()
                && System.currentTimeMillis() - d.transactionStartTimeMs().getAsLong() < COMMIT_INTERVAL_MS / 2;
    }

    /** A monitor that owns stream tasks and no partition of the alerts topic. */
    private int victim(Admin admin, String group) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(notifiers(group))).describedGroups()
                .get(notifiers(group)).get(10, TimeUnit.SECONDS);
        Set<String> reading = d.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty())
                .map(MemberDescription::clientId).collect(Collectors.toSet());
        int victim = IntStream.range(0, INSTANCES).filter(i -> !reading.contains(clientId(group, i))).findFirst()
                .orElseThrow(() -> new AssertionError("every monitor reads the alerts topic: " + reading));
        note("monitors reading the alerts topic: " + reading + "; victim " + victim);
        return victim;
    }

    /** Waits until {@code group} has committed every event of {@code topics} (and what the events caused). */
    private static void awaitProcessed(Admin admin, String group, List<String> topics, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(200)).alias(group + " processed " + topics)
                .until(() -> processed(admin, group, topics));
    }

    /**
     * As {@link #awaitProcessed}, logging each change in the group's transactions open for over a second (with when
     * each began, from the kill) and in the number of notices received: which of them holds up the survivors.
     */
    private void awaitProcessedWatchingTransactions(Admin admin, String group, List<String> topics, Duration atMost,
                                                    long killedAtMillis) {
        String[] last = {""};
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).alias(group + " processed " + topics + " after the kill")
                .until(() -> {
                    String now = "transactions open over 1 s " + longTransactions(admin, group).entrySet().stream()
                            .map(e -> e.getKey() + " began " + (e.getValue() - killedAtMillis) + " ms")
                            .toList() + ", notices " + receiver.accepted().size();
                    if (!now.equals(last[0])) {
                        note((System.currentTimeMillis() - killedAtMillis) + " ms after the kill: " + now);
                        last[0] = now;
                    }
                    return processed(admin, group, topics);
                });
    }

    /** Each partition's committed offset is at its end: the last-stable offset, or one short of it where the last
     * entry is a transaction marker (committed offsets are those of records); nothing is left in an open transaction. */
    private static boolean processed(Admin admin, String group, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> all = new HashMap<>();
        for (String t : topics) {
            admin.describeTopics(List.of(t)).allTopicNames().get(10, TimeUnit.SECONDS).get(t).partitions()
                    .forEach(p -> all.put(new TopicPartition(t, p.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> stable = admin.listOffsets(all,
                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> high = admin.listOffsets(all,
                new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get(10, TimeUnit.SECONDS);
        for (TopicPartition tp : all.keySet()) {
            long end = stable.get(tp).offset();
            if (end != high.get(tp).offset()) {
                return false;
            }
            OffsetAndMetadata c = committed.get(tp);
            long at = c == null ? 0 : c.offset();
            boolean transactional = tp.topic().endsWith("-repartition");
            if (at != end && !(transactional && at == end - 1)) {
                return false;
            }
        }
        return true;
    }

    /** Events of {@code topic} after {@code group}'s committed offsets. */
    private static long lag(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> all = new HashMap<>();
        for (int p = 0; p < 6; p++) {
            all.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long lag = 0;
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin.listOffsets(all).all().get(10, TimeUnit.SECONDS).entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    /** The group's transactions open for over a second, by transactional id, with the wall-clock time each began. */
    private static Map<String, Long> longTransactions(Admin admin, String group) throws Exception {
        List<String> ids = admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
                .filter(t -> t.transactionalId().startsWith(group) && t.state() == TransactionState.ONGOING)
                .map(TransactionListing::transactionalId).toList();
        if (ids.isEmpty()) {
            return Map.of();
        }
        long now = System.currentTimeMillis();
        Map<String, Long> open = new TreeMap<>();
        admin.describeTransactions(ids).all().get(10, TimeUnit.SECONDS).forEach((id, d) -> {
            if (d.state() == TransactionState.ONGOING && d.transactionStartTimeMs().isPresent()
                    && now - d.transactionStartTimeMs().getAsLong() > 1000) {
                open.put(id.substring(group.length() + 1), d.transactionStartTimeMs().getAsLong());
            }
        });
        return open;
    }

    private static void send(Producer producer, String topic, List<Event> events) {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (Event e : events) {
            sent.add(producer.send(message(topic, e)));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    }

    /** Sends {@code events} in 30 parts spread over {@code over}. */
    private static void sendPaced(Producer producer, String topic, List<Event> events, Duration over) throws Exception {
        int parts = 30;
        for (int i = 0; i < parts; i++) {
            send(producer, topic, events.subList(events.size() * i / parts, events.size() * (i + 1) / parts));
            TimeUnit.NANOSECONDS.sleep(over.toNanos() / parts);
        }
    }

    private static Message message(String topic, Event e) {
        ObjectNode json = JSON.createObjectNode().put("timestamp", Instant.ofEpochMilli(e.at()).toString())
                .put("host", e.host()).put("message", "GET /");
        return Message.builder(topic).key(e.host()).payload(json.toString()).build();
    }

    /** Every notice of the committed transactions on {@code topic}, as JSON. */
    /** What the alerts topic holds in committed transactions: the notices, and each partition's offset after its last. */
    private record Alerts(List<JsonNode> notices, Map<TopicPartition, Long> next) {
    }

    private static Alerts alertsTopic(String bootstrap, String topic) throws IOException {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<JsonNode> read = new ArrayList<>();
        Map<TopicPartition, Long> next = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertTrue(System.nanoTime() < until, "the alerts topic was not read to its end within 30 s");
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read.add(JSON.readTree(r.value()));
                    next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                }
            }
        }
        return new Alerts(read, next);
    }

    /** Waits until the notifiers' group has committed every notice the alerts topic holds now, i.e. sent them all. */
    private static void awaitNotified(Admin admin, String bootstrap, String group) throws IOException {
        Map<TopicPartition, Long> next = alertsTopic(bootstrap, group + "-alerts").next();
        await().atMost(WINDOW_WAIT).pollInterval(Duration.ofMillis(200)).alias("every notice so far committed")
                .until(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(notifiers(group))
                            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                    return next.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                            && committed.get(e.getKey()).offset() >= e.getValue());
                });
    }

    /**
     * The notices, {@code host/window/status} to the counts they carried, one per notice. An alert's id is
     * {@code burst/<host>/<fired at>}, the task's clock when it fired: the time of the event that crossed the
     * threshold, or later when the task had seen a later event of another host (events reach a task from six
     * upstream tasks, interleaved), so the window is what identifies the burst; a firing time outside the burst's
     * window fails the test.
     */
    private static Map<String, List<Long>> notices(List<JsonNode> notices) {
        Map<String, List<Long>> seen = new TreeMap<>();
        for (JsonNode n : notices) {
            String[] id = n.get("id").asText().split("/");
            assertEquals(3, id.length, "alert id " + n.get("id"));
            long firedAt = Long.parseLong(id[2]);
            long window = Math.floorDiv(firedAt - T0.toEpochMilli(), WINDOW_MILLIS);
            seen.computeIfAbsent(id[1] + "/w" + window + "/" + n.get("status").asText(), k -> new ArrayList<>())
                    .add(n.get("count").asLong());
        }
        return seen;
    }

    private static void assertExactlyOnce(Map<String, Long> expected, Map<String, List<Long>> seen, String where) {
        List<String> twice = seen.entrySet().stream().filter(e -> e.getValue().size() != 1).map(Map.Entry::getKey)
                .toList();
        assertEquals(List.of(), twice, "notices not " + where + " exactly once");
        Map<String, Long> counts = seen.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0), (a, b) -> a, TreeMap::new));
        assertEquals(expected, counts, "notices " + where);
    }

    private static Process startMonitor(String bootstrap, String topic, String group, String url, Path log,
                                        Path started, String clientId) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xms32m", "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:ActiveProcessorCount=1", "-Xshare:auto", "-Dpolybus.kill-test.scale=" + SCALE,
                "-cp", System.getProperty("java.class.path"), MonitorInstance.class.getName(), bootstrap, topic, group, url, started.toString(), clientId)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
