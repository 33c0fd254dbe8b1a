package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileTailingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    AgentFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    static void append(Path file, String text) throws IOException {
        append(file, text.getBytes(StandardCharsets.UTF_8));
    }

    static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    static String lines(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(String.format("line-%06d some text to make it look like a log line%n", i));
        }
        return sb.toString();
    }

    static List<String> expected(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> String.format("line-%06d some text to make it look like a log line", i)).toList();
    }

    private void awaitMessages(int n) {
        await().atMost(WAIT).until(() -> fx.events.size() >= n);
    }

    @Test
    void shipsEachLineWithHostPathOffsetAndFileIdentity() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, "first\nsecond line\n");
        fx.start(fx.yaml(AgentFixture.fileSource("app", dir + "/*.log", "    key: '{host}'\n")));
        awaitMessages(2);
        JsonNode second = fx.snapshot().get(1);
        assertEquals("second line", second.get("message").asText());
        assertEquals("test-host", second.get("host").asText());
        assertEquals("file", second.at("/source/type").asText());
        assertEquals(log.toString(), second.at("/source/path").asText());
        assertEquals(6, second.at("/source/offset").asLong());
        assertTrue(second.at("/source/file_id").asText().matches("\\d+:\\d+:[0-9a-f]{16}"), second.toString());
        assertTrue(second.get("timestamp").asText().endsWith("Z"));
        assertEquals("test-host", fx.keys.get(1));
    }

    @Test
    void findsNewFilesWhileRunningInNestedDirectoriesAndHonoursExcludes() throws IOException {
        fx = new AgentFixture(dir);
        Files.createDirectories(dir.resolve("a/b"));
        append(dir.resolve("top.log"), "top\n");
        fx.start(fx.yaml(AgentFixture.fileSource("all", dir + "/**/*.log", "    exclude: ['*.gz.log', '" + dir + "/a/skip/**']\n")));
        awaitMessages(1);
        append(dir.resolve("a/b/deep.log"), "deep\n");
        append(dir.resolve("a/b/old.gz.log"), "excluded\n");
        Files.createDirectories(dir.resolve("a/skip"));
        append(dir.resolve("a/skip/x.log"), "excluded too\n");
        append(dir.resolve("a/b/late.log"), "late\n");
        await().atMost(WAIT).until(() -> new HashSet<>(fx.messages()).containsAll(Set.of("top", "deep", "late")));
        fx.stopAgent();
        assertEquals(Set.of("top", "deep", "late"), new HashSet<>(fx.messages()));
    }

    @Test
    void renameRotationLosesNothing() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, lines(0, 500));
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(), "")));
        // The agent must have found the file before it is renamed out of the glob, or it never sees it.
        await().atMost(WAIT).until(() -> Double.valueOf(1.0).equals(fx.gauge("files.open", "source", "app")));
        append(log, lines(500, 1000));
        Files.move(log, dir.resolve("app.log.1"));
        append(dir.resolve("app.log.1"), lines(1000, 1100));
        append(log, lines(1100, 2000));
        awaitMessages(2000);
        assertEquals(new HashSet<>(expected(0, 2000)), new HashSet<>(fx.messages()));
        assertEquals(2000, fx.messages().size(), "no duplicates without a crash");
    }

    @Test
    void aFileRotatedWhileStoppedIsReadToItsEndBeforeTheNewOne() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        String glob = dir + "/app.log*";
        append(log, lines(0, 100));
        String yaml = fx.yaml(AgentFixture.fileSource("app", glob, ""));
        fx.start(yaml);
        awaitMessages(100);
        fx.stopAgent();
        // More than one read budget (4 MiB) left in the rotated file, so reading both at once would interleave.
        append(log, lines(100, 120_000));
        Files.move(log, dir.resolve("app.log.1"));
        append(log, lines(120_000, 121_000));

        fx.start(yaml);
        awaitMessages(121_000);
        List<String> messages = fx.messages();
        List<String> want = expected(0, 121_000);
        assertEquals(want.size(), messages.size(), "no duplicates without a crash");
        int first = IntStream.range(0, want.size()).filter(i -> !want.get(i).equals(messages.get(i))).findFirst().orElse(-1);
        assertEquals(-1, first, () -> "the rotated file first, then the new one: event " + first + " is '"
                + messages.get(first) + "'");
    }

    @Test
    void copytruncateRotationLosesNothing() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, lines(0, 1000));
        fx.start(fx.yaml(AgentFixture.fileSource("app", dir + "/app.log*", "")));
        for (int round = 0; round < 3; round++) {
            int base = 1000 + round * 1000;
            append(log, lines(base, base + 500));
            Path copy = dir.resolve("app.log." + (round + 1));
            Files.copy(log, copy, StandardCopyOption.REPLACE_EXISTING);
            try (var ch = java.nio.channels.FileChannel.open(log, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
            append(log, lines(base + 500, base + 1000));
        }
        await().atMost(WAIT).until(() -> new HashSet<>(fx.messages()).containsAll(expected(0, 4000)));
    }

    @Test
    void fileRewrittenInPlaceWithNewContentIsReadFromTheStart() throws Exception {
        // The agent sees what inode reuse looks like: same device and inode, different first bytes.
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, lines(0, 10));
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(), "")));
        awaitMessages(10);
        fx.stopAgent();
        Files.writeString(log, "a different file " + lines(100, 130), StandardOpenOption.TRUNCATE_EXISTING);
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(), "")));
        await().atMost(WAIT).until(() -> fx.messages().contains(expected(129, 130).get(0)));
        assertTrue(fx.messages().contains("a different file " + expected(100, 101).get(0)), "read from offset 0");
    }

    @Test
    void fileSmallerThanTheFingerprintIsFollowedAndResumedAfterRestart() throws Exception {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("tiny.log");
        append(log, "hi\n");
        String yaml = fx.yaml(AgentFixture.fileSource("tiny", log.toString(), "    fingerprint-bytes: 1KiB\n"));
        fx.start(yaml);
        awaitMessages(1);
        append(log, "there\n");
        awaitMessages(2);
        fx.stopAgent();
        append(log, lines(0, 50));
        fx.start(yaml);
        awaitMessages(52);
        fx.stopAgent();
        List<String> all = new ArrayList<>(List.of("hi", "there"));
        all.addAll(expected(0, 50));
        assertEquals(all, fx.messages());
    }

    @Test
    void joinsStackTracesAndFlushesTheLastEventAfterTheTimeout() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, "2026-11-21 10:00:00 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)\n"
                + "2026-11-21 10:00:01 INFO fine\n2026-11-21 10:00:02 ERROR again\n\tat d.E.f(E.java:2)\n");
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(),
                "    multiline:\n      start: '^\\d{4}-'\n      timeout: 200ms\n")));
        awaitMessages(3);
        assertEquals(List.of("2026-11-21 10:00:00 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)",
                "2026-11-21 10:00:01 INFO fine", "2026-11-21 10:00:02 ERROR again\n\tat d.E.f(E.java:2)"), fx.messages());
        assertEquals(0, fx.snapshot().get(0).at("/source/offset").asLong());
    }

    @Test
    void splitsATenMegabyteLineIntoMarkedChunksWithoutLosingAByte() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("big.log");
        StringBuilder big = new StringBuilder(10 << 20);
        while (big.length() < 10 << 20) {
            big.append("0123456789abcdefghijklmnopqrstuvwxyz-é-");
        }
        append(log, "before\n" + big + "\nafter\n");
        fx.start(fx.yaml(AgentFixture.fileSource("big", log.toString(), "    max-event-bytes: 1MiB\n")));
        await().atMost(WAIT).until(() -> fx.messages().contains("after"));
        List<JsonNode> events = fx.snapshot();
        StringBuilder joined = new StringBuilder();
        for (JsonNode e : events.subList(1, events.size() - 1)) {
            assertTrue(e.get("tags").toString().contains("_split"), e.get("tags").toString());
            assertTrue(e.get("message").asText().getBytes(StandardCharsets.UTF_8).length <= 1 << 20);
            joined.append(e.get("message").asText());
        }
        assertEquals(big.toString(), joined.toString());
        assertTrue(fx.counter("events.split") >= 10);
    }

    @Test
    void truncatesAnOverlongLineWhenConfiguredAndCarriesOn() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("big.log");
        append(log, "x".repeat(5000) + "\nnext\n");
        fx.start(fx.yaml(AgentFixture.fileSource("big", log.toString(), "    max-event-bytes: 1000\n    oversize: truncate\n")));
        awaitMessages(2);
        JsonNode first = fx.snapshot().get(0);
        assertEquals("x".repeat(1000), first.get("message").asText());
        assertEquals("[\"_truncated\"]", first.get("tags").toString());
        assertEquals("next", fx.messages().get(1));
        assertEquals(1, fx.counter("events.truncated"));
    }

    @Test
    void replacesInvalidUtf8AndKeepsBinaryBytes() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("bad.log");
        byte[] invalid = {'o', 'k', ' ', (byte) 0xC3, (byte) 0x28, ' ', (byte) 0xFF, '\n'};
        byte[] binary = {0, 1, 2, 0x1B, '"', '\\', 0x7F, '\t', 'z', '\n'};
        append(log, invalid);
        append(log, binary);
        append(log, "caf\u00e9 ok\n");
        fx.start(fx.yaml(AgentFixture.fileSource("bad", log.toString(), "")));
        awaitMessages(3);
        List<JsonNode> events = fx.snapshot();
        assertEquals("ok \uFFFD( \uFFFD", events.get(0).get("message").asText());
        assertEquals("[\"_invalid_encoding\"]", events.get(0).get("tags").toString());
        assertArrayEquals(new byte[] {0, 1, 2, 0x1B, '"', '\\', 0x7F, '\t', 'z'},
                events.get(1).get("message").asText().getBytes(StandardCharsets.UTF_8));
        assertEquals("caf\u00e9 ok", events.get(2).get("message").asText());
        assertEquals(1, fx.counter("events.invalid_encoding"));
    }

    @Test
    void readsAFileDeletedWhileReadThenReleasesIt() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("gone.log");
        append(log, lines(0, 100));
        fx.start(fx.yaml(AgentFixture.fileSource("gone", log.toString(), "")));
        awaitMessages(100);
        Files.delete(log);
        await().atMost(WAIT).until(() -> fx.gauge("files.open", "source", "gone") == 0.0);
        assertEquals(expected(0, 100), fx.messages());
    }

    @Test
    void skipsWhatItCannotReadAndShipsTheRest() throws Exception {
        fx = new AgentFixture(dir);
        Files.createSymbolicLink(dir.resolve("dangling.log"), dir.resolve("missing-target"));
        Files.createDirectory(dir.resolve("dir.log"));
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("fifo.log").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        Path locked = dir.resolve("locked.log");
        append(locked, "secret\n");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        boolean root = "root".equals(System.getProperty("user.name"));
        append(dir.resolve("fine.log"), "fine\n");
        fx.start(fx.yaml(AgentFixture.fileSource("mixed", dir + "/*.log", "")));
        await().atMost(WAIT).until(() -> fx.messages().contains("fine"));
        append(dir.resolve("fine.log"), "still fine\n");
        await().atMost(WAIT).until(() -> fx.messages().contains("still fine"));
        if (!root) {
            assertTrue(!fx.messages().contains("secret"), "an unreadable file is skipped");
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rw-------"));
            await().atMost(WAIT).until(() -> fx.messages().contains("secret"));
        }
    }

    @Test
    void startAtEndSkipsExistingContentButReadsNewFilesFromTheirStart() throws IOException {
        fx = new AgentFixture(dir);
        append(dir.resolve("old.log"), "old\n");
        fx.start(fx.yaml(AgentFixture.fileSource("tail", dir + "/*.log", "    start-at: end\n")));
        await().atMost(WAIT).until(() -> fx.gauge("files.open", "source", "tail") == 1.0);
        append(dir.resolve("old.log"), "new in old\n");
        append(dir.resolve("new.log"), "new file\n");
        await().atMost(WAIT).until(() -> fx.messages().size() >= 2);
        assertEquals(Set.of("new in old", "new file"), new HashSet<>(fx.messages()));
    }

    @Test
    void boundsOpenFilesAndStillReadsThemAll() throws IOException {
        fx = new AgentFixture(dir);
        for (int i = 0; i < 12; i++) {
            append(dir.resolve("f" + i + ".log"), "file " + i + "\n");
        }
        fx.start(fx.yaml(AgentFixture.fileSource("many", dir + "/*.log", "    max-open-files: 3\n    close-inactive: 50ms\n")));
        await().atMost(WAIT).until(() -> fx.messages().size() >= 12);
        for (int i = 0; i < 12; i++) {
            append(dir.resolve("f" + i + ".log"), "more " + i + "\n");
        }
        await().atMost(WAIT).until(() -> fx.messages().size() >= 24);
        assertTrue(fx.gauge("files.open", "source", "many") <= 3);
        assertEquals(24, new HashSet<>(fx.messages()).size());
    }

    @Test
    void readsStdin() {
        fx = new AgentFixture(dir);
        fx.start(fx.yaml("  - name: in\n    type: stdin\n    key: in\n"), false,
                new java.io.ByteArrayInputStream("one\ntwo\nthree without newline".getBytes(StandardCharsets.UTF_8)));
        awaitMessages(3);
        assertEquals(List.of("one", "two", "three without newline"), fx.messages());
        assertEquals("stdin", fx.snapshot().get(0).at("/source/type").asText());
        assertEquals(8, fx.snapshot().get(2).at("/source/offset").asLong());
    }

    @Test
    void stdinFlushesAMultiLineEventAfterItsTimeoutWhileTheStreamStaysOpen() throws Exception {
        fx = new AgentFixture(dir);
        java.io.PipedOutputStream writer = new java.io.PipedOutputStream();
        java.io.PipedInputStream stdin = new java.io.PipedInputStream(writer);
        fx.start(fx.yaml("  - name: in\n    type: stdin\n    key: in\n    multiline: {start: '^\\S', timeout: 100ms}\n"), false, stdin);
        writer.write("first\n  continued\nsecond\n".getBytes(StandardCharsets.UTF_8));
        writer.flush();
        awaitMessages(2);
        assertEquals(List.of("first\n  continued", "second"), fx.messages());
        writer.close();
    }

    @Test
    void decodesOtherCharsetsWhenConfigured() throws IOException {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("latin1.log");
        append(log, "caf\u00e9 cr\u00e8me\n".getBytes(StandardCharsets.ISO_8859_1));
        fx.start(fx.yaml(AgentFixture.fileSource("latin", log.toString(), "    encoding: ISO-8859-1\n")));
        awaitMessages(1);
        assertEquals("caf\u00e9 cr\u00e8me", fx.messages().get(0));
    }

    @Test
    void aClosedInactiveFileWhoseInodeNowHoldsOtherContentIsReadAsNew() throws Exception {
        fx = new AgentFixture(dir);
        Path log = dir.resolve("app.log");
        append(log, "old content line\n");
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(), "    close-inactive: 50ms\n")));
        awaitMessages(1);
        await().atMost(WAIT).until(() -> fx.gauge("files.open", "source", "app") == 0.0);
        Files.writeString(log, "new content, same inode, longer than before\n", StandardOpenOption.TRUNCATE_EXISTING);
        await().atMost(WAIT).until(() -> fx.messages().contains("new content, same inode, longer than before"));
    }

    @Test
    void routesEventsToATopicTemplateWithAKeyFromAField() throws IOException {
        fx = new AgentFixture(dir, "logs-orders", "logs-unknown");
        Path log = dir.resolve("app.log");
        append(log, "{\"service\":\"orders\",\"user\":\"u1\"}\nnot json\n");
        fx.start(fx.yaml(AgentFixture.fileSource("app", log.toString(),
                "    topic: 'logs-{service}'\n    key: '{user}'\n    processors: [{type: json}]\n")));
        awaitMessages(2);
        JsonNode parsed = fx.snapshot().stream().filter(e -> e.get("_topic").asText().equals("logs-orders")).findFirst().orElseThrow();
        assertEquals("u1", parsed.at("/fields/user").asText());
        JsonNode failed = fx.snapshot().stream().filter(e -> e.get("_topic").asText().equals("logs-unknown")).findFirst().orElseThrow();
        assertEquals("[\"_json_parse_failure\"]", failed.get("tags").toString());
        assertTrue(fx.keys.contains("u1") && fx.keys.contains("unknown"), fx.keys.toString());
    }
}
