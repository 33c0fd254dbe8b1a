package io.polybus.cli.internal;

import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolybusFileTest {
    private static final String STREAMS_MONITOR = """
            monitor:
              engine: kafka-streams
              rules: [{name: r, type: threshold, window: 1m, above: 1}]
            """;

    private static PolybusFile parse(String yaml) {
        return PolybusFile.parse(yaml, name -> null, CliPlugins.load());
    }

    @Test
    void kafkaStreamsTakesTheBootstrapServersOfTheKafkaBrokerSection() {
        PolybusFile file = parse("broker: {type: kafka, bootstrap-servers: [k1:9092, k2:9092]}\n" + STREAMS_MONITOR);
        assertEquals("k1:9092,k2:9092", file.monitor().kafkaStreams().get("bootstrap.servers"));
    }

    @Test
    void kafkaStreamsKeepsItsOwnBootstrapServers() {
        PolybusFile flat = parse("broker: {type: kafka, bootstrap-servers: k1:9092}\n" + STREAMS_MONITOR
                + "  kafka-streams.bootstrap.servers: streams:9092\n");
        assertEquals("streams:9092", flat.monitor().kafkaStreams().get("bootstrap.servers"));
        PolybusFile nested = parse("broker: {type: kafka, bootstrap-servers: k1:9092}\n" + STREAMS_MONITOR
                + "  kafka-streams: {bootstrap.servers: nested:9092}\n");
        assertEquals("nested:9092", nested.monitor().kafkaStreams().get("bootstrap.servers"));
    }

    @Test
    void kafkaStreamsWithoutAKafkaBrokerSectionNeedsItsBootstrapServers() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("broker: {type: memory}\n" + STREAMS_MONITOR));
        assertTrue(e.getMessage().contains("monitor.kafka-streams.bootstrap.servers: required with engine: kafka-streams"),
                e.getMessage());
    }
}
