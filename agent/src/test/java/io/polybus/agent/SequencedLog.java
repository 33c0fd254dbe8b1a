package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An independent writer's log: 120-byte lines, each made of its own sequence number only
 * ({@code 00001234|00001234|...}), so a line spliced from two can be told from every line written. And the
 * checks made of what a consumer received.
 */
final class SequencedLog {
    static final int LINE_BYTES = 120;

    private SequencedLog() {
    }

    /** Line {@code n}, without its newline. */
    static String line(int n) {
        String seq = String.format("%08d|", n);
        return seq.repeat(LINE_BYTES / seq.length() + 1).substring(0, LINE_BYTES - 1);
    }

    static void append(Path file, int from, int to) throws IOException {
        StringBuilder sb = new StringBuilder((to - from) * LINE_BYTES);
        for (int i = from; i < to; i++) {
            sb.append(line(i)).append('\n');
        }
        Files.write(file, sb.toString().getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** What logrotate's copytruncate does: copy the file, then truncate it. */
    static void copyTruncate(Path file, Path copy) throws IOException {
        Files.copy(file, copy);
        truncate(file);
    }

    static void truncate(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
    }

    /** The sequence number of a line written by this writer, or -1 for anything else (a spliced line). */
    static int seq(String message) {
        if (message.length() < 8) {
            return -1;
        }
        try {
            int n = Integer.parseInt(message.substring(0, 8));
            return line(n).equals(message) ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The {@code file_id} and {@code offset} consumers drop duplicates by. */
    static String key(JsonNode event) {
        return event.at("/source/file_id").asText() + "@" + event.at("/source/offset").asLong();
    }

    /**
     * Checks what was received: every event is a line that was written (none spliced), every line of {@code want}
     * arrived, two events with one key are the same line and every line came under one key (so dropping duplicates
     * by {@code file_id} and {@code offset} leaves each line exactly once).
     *
     * @return the number of duplicates (events beyond the first of a line)
     */
    static int check(List<JsonNode> events, Collection<Integer> want) {
        Map<String, Integer> lineOfKey = new HashMap<>();
        Map<Integer, String> keyOfLine = new HashMap<>();
        int duplicates = 0;
        for (JsonNode e : events) {
            String message = e.get("message").asText();
            int n = seq(message);
            assertTrue(n >= 0, () -> "a line that was never written was delivered: '" + message + "' " + e.get("source"));
            String key = key(e);
            Integer before = lineOfKey.putIfAbsent(key, n);
            assertEquals(before == null ? n : before, n, "two lines under one key " + key);
            String keyBefore = keyOfLine.putIfAbsent(n, key);
            assertEquals(keyBefore == null ? key : keyBefore, key, "line " + n + " delivered under two keys");
            if (before != null) {
                duplicates++;
            }
        }
        Set<Integer> missing = new TreeSet<>(want);
        missing.removeAll(new HashSet<>(keyOfLine.keySet()));
        assertTrue(missing.isEmpty(), () -> missing.size() + " lines lost, the first " + missing.iterator().next());
        return duplicates;
    }
}
