package io.polybus.cli.internal;

import io.polybus.monitor.NginxEvents;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.Producer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MonitorCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new MonitorCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void checkAcceptsTheExampleConfiguration() {
        assertEquals(0, run("-c", "../examples/monitor.yaml", "--check"), err.toString());
        assertTrue(out.toString().contains("OK: 1 source(s) (host: host-metrics), monitor on 'logs' (13 rules, 3 notifiers), broker 'memory'"), out.toString());
    }

    @Test
    void badRuleConfigurationNamesTheRuleAndTheKeyAndExitsWith2() throws Exception {
        Path config = dir.resolve("monitor.yaml");
        Files.writeString(config, """
                monitor:
                  rules:
                    - name: nginx-5xx
                      type: threshold
                      window: 1 minute
                      above: 50
                """);
        assertEquals(2, run("-c", config.toString()));
        assertTrue(err.toString().contains("monitor.rules[0].window (rule 'nginx-5xx'): '1 minute' is not valid; expected a duration"), err.toString());
    }

    @Test
    void badBrokerConfigurationIsNamedToo() throws Exception {
        Path config = dir.resolve("monitor.yaml");
        Files.writeString(config, """
                broker: {type: memory, partitons: 4}
                monitor:
                  rules: [{name: a, type: absence, for: 1m}]
                """);
        assertEquals(2, run("-c", config.toString(), "--check"));
        assertTrue(err.toString().contains("broker.partitons"), err.toString());
    }

    @Test
    void missingFileIsNamed() {
        assertEquals(2, run("-c", dir.resolve("nope.yaml").toString()));
        assertTrue(err.toString().contains("nope.yaml: configuration file not found"), err.toString());
    }

    @Test
    void runsUntilStoppedAndWritesAlerts() throws Exception {
        String name = "command-" + UUID.randomUUID();
        Path alerts = dir.resolve("alerts.jsonl");
        Path config = dir.resolve("monitor.yaml");
        Files.writeString(config, """
                broker: {type: memory, name: %s}
                monitor:
                  topic: logs
                  time: arrival
                  rules:
                    - {name: errors, type: match, where: [{field: fields.level, equals: ERROR}]}
                  notifiers:
                    - {type: file, path: "%s"}
                metrics: {enabled: false}
                """.formatted(name, alerts));
        AtomicInteger exit = new AtomicInteger(-1);
        try (Broker broker = Brokers.open(Config.of("type", "memory", "name", name)); Producer producer = broker.producer()) {
            Thread command = new Thread(() -> exit.set(run("-c", config.toString())), "monitor-command");
            command.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                producer.send(Message.builder("logs").payload(NginxEvents.app("app-1", "ERROR", "boom", "1:1:a", 0).toString()).build()).join();
                return Files.exists(alerts) && !Files.readString(alerts).isEmpty();
            });
            assertTrue(Files.readString(alerts).contains("\"rule\":\"errors\""));
            command.interrupt();
            command.join(Duration.ofSeconds(30).toMillis());
        }
        assertEquals(0, exit.get(), err.toString());
    }
}
