package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.events.EventPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@code buffer: disk}: what stdin and syslog sources received is on disk before it counts as received, so a
 * {@code kill -9} of the agent's process loses none of it. The agent runs in a JVM of its own and ships to the
 * shared Redis; the first run holds every event in a gate processor (closed in a new JVM), so nothing is
 * acknowledged when it is killed; the second run, without the gate, sends what the buffer holds.
 */
class DiskBufferCrashTest {
    private static final int LINES = 5_000;
    /** Bytes a record takes in the buffer besides its own: header, cut, offset, three string lengths. */
    private static final int RECORD_OVERHEAD = 8 + 1 + 8 + 12;

    @TempDir
    Path dir;
    final SharedRedis redis = new SharedRedis();
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void cleanUp() throws Exception {
        redis.cleanUp();
        Path out = dir.resolve("agent.out");
        if (Files.exists(out)) {
            // The agent's own log, for a failure's report (the temporary directory is deleted).
            Files.readAllLines(out).stream().filter(l -> l.contains(" INFO ") || l.contains(" WARN ") || l.contains(" ERROR "))
                    .forEach(System.out::println);
        }
    }

    private Path config(String name, String source, boolean held) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, "agent: {host: crash, data-dir: '" + dir.resolve("data") + "'}\n"
                + AgentFixture.brokerYaml(redis.config())
                + "sources:\n  - {" + source + ", buffer: disk, buffer-max-bytes: 8MiB, topic: logs"
                + (held ? ", processors: [{type: gate, name: held}]" : "") + "}\n");
        return config;
    }

    private long buffered() throws Exception {
        Path buffers = dir.resolve("data/buffers");
        if (!Files.isDirectory(buffers)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(buffers)) {
            return files.filter(p -> p.toString().endsWith(".seg")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static String line(int n) {
        return String.format("seq-%06d a line received once and never lost", n);
    }

    /** Runs {@code receive} on an agent whose events are held, kills it once all is buffered, and restarts it. */
    private List<String> killWhileHeldThenRestart(String source, long bufferedBytes, Receiver receive) throws Exception {
        Path out = dir.resolve("agent.out");
        try (Broker broker = Brokers.open(redis.config());
             Consumer ignored = broker.subscribe(ConsumerOptions.builder("logs", "check").ackMode(AckMode.AUTO).build(), d -> {
                 for (byte[] event : EventPack.events(d.message())) {
                     JsonNode e = AgentFixture.JSON.readTree(event);
                     messages.add(e.get("message").asText());
                 }
             })) {
            AgentJvm agent = AgentJvm.start(config("held", source, true), out);
            try {
                receive.run(agent);
                await().atMost(Duration.ofMinutes(1)).until(() -> buffered() >= bufferedBytes);
                assertEquals(0, messages.size(), "held in the gate: nothing was sent");
                agent.kill9();
            } finally {
                agent.forceStopIfAlive();
            }
            agent = AgentJvm.start(config("free", source, false), out);
            try {
                agent.stdin().close();
                await().atMost(Duration.ofMinutes(1)).until(() -> messages.size() >= LINES);
                assertNotEquals(-1, agent.terminate(), "exits on SIGTERM");
            } finally {
                agent.forceStopIfAlive();
            }
        }
        synchronized (messages) {
            return new ArrayList<>(messages);
        }
    }

    interface Receiver {
        void run(AgentJvm agent) throws Exception;
    }

    @Test
    void stdinWithADiskBufferLosesNothingReceivedOnKillNine() throws Exception {
        StringBuilder sb = new StringBuilder();
        long bytes = 0;
        for (int i = 0; i < LINES; i++) {
            sb.append(line(i)).append('\n');
            bytes += RECORD_OVERHEAD + line(i).length();
        }
        List<String> got = killWhileHeldThenRestart("name: in, type: stdin", bytes, agent -> {
            OutputStream in = agent.stdin();
            in.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            in.flush();
        });
        assertEquals(IntStream.range(0, LINES).mapToObj(DiskBufferCrashTest::line).toList(), got);
    }

    @Test
    void syslogWithADiskBufferLosesNothingReceivedOnKillNine() throws Exception {
        int port = 25000 + (int) (ProcessHandle.current().pid() % 500);
        String peer = "127.0.0.1:00000";
        long bytes = 0;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            String frame = "<13>1 2026-12-07T00:00:00Z host app - - - " + line(i);
            sb.append(frame).append('\n');
            bytes += RECORD_OVERHEAD + peer.length() + frame.length();
        }
        List<String> got = killWhileHeldThenRestart("name: sys, type: syslog, protocol: tcp, listen: '127.0.0.1:" + port + "'",
                bytes, agent -> {
                    await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> {
                        try (Socket s = new Socket("127.0.0.1", port)) {
                            s.getOutputStream().write(sb.toString().getBytes(StandardCharsets.UTF_8));
                            return true;
                        }
                    });
                });
        assertEquals(LINES, new HashSet<>(got).size());
        assertEquals(IntStream.range(0, LINES).mapToObj(DiskBufferCrashTest::line).toList(), got);
    }
}
