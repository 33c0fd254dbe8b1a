package io.polybus.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * No default combination of the agent, the memory broker and the monitor exhausts the heap the launcher gives them:
 * a million nginx lines through a quickstart-style file, with the JVM options of {@code bin/polybus}, all shipped.
 * The monitor's regular expressions scan every message, so it evaluates far fewer events per second than the agent
 * ships and its group holds what the agent is ahead by, up to the memory broker's {@code max-group-bytes}: the former
 * default (256MiB, twice the heap) left the agent collecting garbage without end, then out of memory, after some
 * 600k lines. (With rules that do not scan the message the monitor keeps closer pace and the former default
 * survives: this test needs the slow rules.) Takes 45-80 s on a loaded 2-core machine: the monitor sets the pace.
 */
class LauncherHeapTest {
    private static final int LINES = 1_000_000;
    private static final Path LAUNCHER = Path.of("..", "bin", "polybus");

    @TempDir
    Path dir;

    @Test
    void agentWithMonitorOnTheMemoryBrokerShipsAMillionLinesInTheLaunchersHeap() throws Exception {
        Path log = dir.resolve("access.log");
        writeNginxLines(log);
        Path config = dir.resolve("quickstart.yaml");
        Files.writeString(config, """
                agent:
                  host: heap-test
                  data-dir: %s
                  checkpoints: false
                console:
                  summary-interval: 10s
                  samples: 2
                sources:
                  - name: nginx
                    type: file
                    paths: ["%s"]
                    topic: logs
                    key: "{host}"
                    processors:
                      - {type: json, timestamp-field: time_iso8601}
                monitor:
                  topic: logs
                  group: monitor
                  rules:
                    - {name: nginx-5xx, type: threshold, severity: critical, where: {field: fields.status, gte: 500},
                       window: 1m, above: 1000000, group-by: fields.host}
                    - {name: slow, type: match, where: {field: message, matches: '"request_time":[1-9]'}, group-by: host}
                    - {name: scanners, type: match, where: {field: message, matches: '(?i)sqlmap|nikto|/etc/passwd'}}
                    - {name: health-checks, type: absence, where: {field: fields.request_uri, equals: /health}, for: 5m}
                  notifiers:
                    - type: stdout
                broker:
                  type: memory
                """.formatted(dir.resolve("data"), log));

        Path output = dir.resolve("agent.out");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(launcherJvmOptions());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PolybusMain.class.getName(),
                "agent", "-c", config.toString(), "--once"));
        Process agent = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(output.toFile())).start();
        try {
            if (!agent.waitFor(180, TimeUnit.SECONDS)) {
                fail("the agent did not finish 1M lines in 180 s; its last lines:\n" + tail(output));
            }
        } finally {
            agent.destroyForcibly();
        }
        String out = Files.readString(output);
        assertTrue(!out.contains("OutOfMemoryError"), tail(output));
        assertEquals(0, agent.exitValue(), tail(output));
        Matcher done = Pattern.compile("done: read ([\\d,]+) events, acknowledged ([\\d,]+)").matcher(out);
        assertTrue(done.find(), tail(output));
        assertEquals(LINES, Long.parseLong(done.group(1).replace(",", "")), done.group());
        assertEquals(LINES, Long.parseLong(done.group(2).replace(",", "")), done.group());
    }

    /** The JVM options {@code bin/polybus} runs the agent with when JAVA_OPTS is not set. */
    private static List<String> launcherJvmOptions() throws IOException {
        Matcher m = Pattern.compile("\\$\\{JAVA_OPTS:-\\$\\{default_java_opts:-([^}]+)}}").matcher(Files.readString(LAUNCHER));
        assertTrue(m.find(), LAUNCHER + " no longer has ${JAVA_OPTS:-${default_java_opts:-...}}");
        return Arrays.asList(m.group(1).trim().split("\\s+"));
    }

    /** Nginx access-log lines in JSON (log_format json) of about 430 bytes each. */
    private static void writeNginxLines(Path file) throws IOException {
        String[] uris = {"/", "/api/orders", "/api/users/42", "/static/app.js", "/health", "/api/cart", "/login"};
        int[] statuses = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 301, 404, 500, 503};
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < LINES; i++) {
                w.write("{\"time_iso8601\":\"2026-11-21T10:" + two(i / 60_000 % 60) + ":" + two(i / 1000 % 60)
                        + "+00:00\",\"remote_addr\":\"10.0." + (i % 256) + "." + (i % 200) + "\","
                        + "\"request_method\":\"GET\",\"request_uri\":\"" + uris[i % uris.length] + "\","
                        + "\"server_protocol\":\"HTTP/1.1\",\"status\":" + statuses[i % statuses.length]
                        + ",\"body_bytes_sent\":" + (100 + i % 90_000) + ",\"request_time\":0." + (100 + i % 900)
                        + ",\"http_referer\":\"https://shop.example.com/?page=" + (i % 50) + "\","
                        + "\"http_user_agent\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
                        + " Chrome/120.0\",\"host\":\"web-" + (i % 4) + "\",\"request_id\":\""
                        + String.format("%032x", i * 2_654_435_761L) + "\"}\n");
            }
        }
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }

    /** The agent's last summary line and the last lines of its output. */
    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String summary = lines.stream().filter(l -> l.startsWith("polybus agent |")).reduce((a, b) -> b).orElse("(no summary)");
        return summary + "\n...\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }
}
