package io.polybus.cli.internal;

import io.polybus.Config;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Which broker a command talks to: the {@code broker} section of a config file, and/or {@code -b} and {@code -X}. */
final class BrokerOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Take the broker from this file's 'broker' section.")
    Path config;

    @Option(names = {"-b", "--broker"}, paramLabel = "TYPE", description = "Broker type (memory, kafka, rabbitmq, redis, ...).")
    String type;

    @Option(names = "-X", paramLabel = "KEY=VALUE", description = "A broker configuration key, e.g. -X bootstrap-servers=localhost:9092.")
    Map<String, String> properties = new LinkedHashMap<>();

    Config brokerConfig() {
        Config c = config == null ? Config.empty() : Config.fromYaml(config).section("broker");
        if (type != null) {
            c = c.with("type", type);
        }
        for (Map.Entry<String, String> e : properties.entrySet()) {
            c = c.with(e.getKey(), e.getValue());
        }
        return c.contains("type") ? c : c.with("type", "memory");
    }
}
