package io.polybus.monitor;

import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One monitor with {@code engine: kafka-streams} in a JVM of its own, for {@link KafkaStreamsInstancesTest}: started
 * with the bootstrap servers, the events topic, the group, the webhook to notify, a file it creates once started and
 * its client id (also the {@value WebhookReceiver#SENDER} header of its notices). Stops when its standard input closes
 * (also when the test JVM dies), and halts if closing takes more than 40 s, so no monitor outlives its test; dies at
 * once when killed.
 */
public final class MonitorInstance {
    private MonitorInstance() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        MonitorConfig config = MonitorYaml.parse("monitor:\n  topic: " + args[1] + "\n  group: " + args[2] + "\n"
                + "  engine: kafka-streams\n  evaluate-every: 200ms\n  allowed-lateness: 2h\n  notify-max-age: 3650d\n"
                + "  kafka-streams.bootstrap.servers: " + bootstrap + "\n"
                + "  kafka-streams.client.id: " + args[5] + "\n"
                + "  kafka-streams.commit.interval.ms: " + KafkaStreamsInstancesTest.COMMIT_INTERVAL_MS + "\n"
                + "  kafka-streams.transaction.timeout.ms: " + KafkaStreamsInstancesTest.TRANSACTION_TIMEOUT_MS + "\n"
                + "  kafka-streams.session.timeout.ms: 6000\n"
                + "  kafka-streams.heartbeat.interval.ms: 1000\n"
                + "  notifiers: [{type: webhook, url: '" + args[3] + "', timeout: 30s, headers: {"
                + WebhookReceiver.SENDER + ": " + args[5] + "}}]\n"
                + "  rules:\n" + KafkaStreamsInstancesTest.RULES);
        try (Broker broker = Brokers.open(Config.of("type", "kafka", "bootstrap-servers", bootstrap));
             Monitor monitor = Monitor.builder(broker, config).start()) {
            Files.createFile(Path.of(args[4]));
            while (System.in.read() != -1) {
                continue;
            }
            Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(40_000);
                } catch (InterruptedException e) {
                    return;
                }
                Runtime.getRuntime().halt(3);
            }, "halt-if-stuck");
            halt.setDaemon(true);
            halt.start();
        }
    }
}
