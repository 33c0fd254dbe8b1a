package io.polybus.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.testkit.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Group membership changing while messages flow: nothing may be lost, duplicates are allowed. */
@ExtendWith(TestCluster.Shared.class)
class KafkaRebalanceTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void secondMemberJoiningMidStreamLosesNothing() throws Exception {
        String topic = "rebalance-join-" + UUID.randomUUID();
        String group = "g-" + UUID.randomUUID();
        try (Broker broker = Brokers.open(TestCluster.shared().config(), new SimpleMeterRegistry());
             Producer producer = broker.producer()) {
            Recorder first = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, group), first);
            List<Message> sent = new ArrayList<>();
            sendBatch(producer, topic, 0, 1000, sent);
            Recorder second = Recorder.acking();
            Consumer joining = broker.subscribe(ConsumerOptions.of(topic, group), second);
            sendBatch(producer, topic, 1000, 2000, sent);
            producer.flush();
            await().atMost(WAIT).until(() -> seen(first, second).containsAll(payloads(sent)));
            assertTrue(second.count() > 0, "the joining member got nothing");
            joining.close();
        }
    }

    @Test
    void memberKilledMidStreamLosesNothing() throws Exception {
        String topic = "rebalance-kill-" + UUID.randomUUID();
        String group = "g-" + UUID.randomUUID();
        try (Broker broker = Brokers.open(TestCluster.shared().config(), new SimpleMeterRegistry());
             Producer producer = broker.producer()) {
            Recorder survivor = Recorder.acking();
            broker.subscribe(ConsumerOptions.of(topic, group), survivor);

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process member = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    GroupMember.class.getName(), TestCluster.shared().bootstrapServers(), topic, group)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Set<String> handledByVictim = ConcurrentHashMap.newKeySet();
            CountDownLatch ready = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(member.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.equals("ready")) {
                            ready.countDown();
                        } else if (line.startsWith("handled ")) {
                            handledByVictim.add(line.substring("handled ".length()));
                        }
                    }
                } catch (java.io.IOException e) {
                    // the process was killed
                }
            });
            reader.setDaemon(true);
            reader.start();
            try {
                assertTrue(ready.await(60, TimeUnit.SECONDS), "the second member did not join");
                List<Message> sent = new ArrayList<>();
                sendBatch(producer, topic, 0, 1000, sent);
                producer.flush();
                await().atMost(WAIT).until(() -> !handledByVictim.isEmpty());
                member.destroyForcibly().waitFor();
                sendBatch(producer, topic, 1000, 2000, sent);
                producer.flush();
                await().atMost(WAIT).until(() -> {
                    Set<String> all = seen(survivor);
                    all.addAll(handledByVictim);
                    return all.containsAll(payloads(sent));
                });
            } finally {
                member.destroyForcibly();
            }
        }
    }

    private static void sendBatch(Producer producer, String topic, int from, int to, List<Message> sent) {
        for (int i = from; i < to; i++) {
            Message m = Message.builder(topic).key("key-" + i).payload("m" + i).build();
            sent.add(m);
            producer.send(m);
        }
    }

    /** The payloads of {@code messages}: unique per message here, and known before they are sent. */
    private static Set<String> payloads(List<Message> messages) {
        return messages.stream().map(Message::payloadAsString).collect(Collectors.toSet());
    }

    private static Set<String> seen(Recorder... recorders) {
        Set<String> all = new java.util.HashSet<>();
        for (Recorder r : recorders) {
            r.deliveries().forEach(d -> all.add(d.message().payloadAsString()));
        }
        return all;
    }
}
