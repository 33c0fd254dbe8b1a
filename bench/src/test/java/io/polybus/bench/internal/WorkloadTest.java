package io.polybus.bench.internal;

import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadTest {
    @TempDir
    Path dir;

    @Test
    void emptyWorkloadTakesTheDefaults() {
        Workload w = Workload.parse("{}", null);

        assertEquals(100, w.messageSize());
        assertEquals(List.of(0L), w.rates(), "max rate");
        assertEquals(Duration.ofSeconds(30), w.duration());
        assertEquals("localhost:9092", w.broker("kafka").get("bootstrap-servers"));
        assertEquals(5672, w.broker("rabbitmq").get("port"));
        assertEquals(Workload.Phases.TOGETHER, w.phases());
        assertEquals(1, w.repeat());
        assertTrue(w.carryIds());
    }

    @Test
    void readsCarryIds() {
        Workload w = Workload.parse("carry-ids: false", null);

        assertFalse(w.carryIds());
        assertEquals(false, w.describe().get("carry-ids"));
        assertTrue(w.withCarryIds(true).carryIds());
        assertFalse(Workload.carryIds("False"), "as from --carry-ids");
        ConfigException bad = assertThrows(ConfigException.class, () -> Workload.parse("carry-ids: sometimes", null));
        assertTrue(bad.getMessage().contains("carry-ids") && bad.getMessage().contains("sometimes")
                && bad.getMessage().contains("true or false"), bad.getMessage());
    }

    @Test
    void readsPhasesAndRepeat() {
        Workload w = Workload.parse("""
                phases: separate
                repeat: 3
                """, null);

        assertEquals(Workload.Phases.SEPARATE, w.phases());
        assertEquals(3, w.repeat());
        assertEquals("separate", w.describe().get("phases"));
        assertEquals(3, w.describe().get("repeat"));
        assertEquals(Workload.Phases.TOGETHER, Workload.parse("phases: Together", null).phases());
        assertEquals(5, w.withRepeat(5).repeat());
        assertEquals(7, Workload.repeat("7"), "as from --repeat");
    }

    @Test
    void readsASweepSizesAndBrokerSettings() {
        Workload w = Workload.parse("""
                message-size: 1KiB
                rate: [max, 1000, 10_000]
                messages: 5000
                brokers:
                  redis: {port: 6380}
                """, null);

        assertEquals(1024, w.messageSize());
        assertEquals(List.of(0L, 1000L, 10_000L), w.rates());
        assertEquals(5000, w.messages());
        assertEquals(6380, w.broker("redis").get("port"));
        assertEquals("127.0.0.1", w.broker("redis").get("host"), "defaults fill the keys left out");
    }

    @Test
    void produceThenConsumeWorkloadMeasuresEachSideAloneWithPolybusKafkaOnOnePartition() {
        Workload w = Workload.read(Path.of("workloads/produce-then-consume.yaml"));

        assertEquals(Workload.Phases.SEPARATE, w.phases());
        assertEquals(3, w.repeat());
        assertEquals(1_000_000, w.messages());
        assertEquals(List.of(0L), w.rates());
        assertEquals(1, w.partitions());
        assertEquals(Map.of("bootstrap-servers", "localhost:9092", "partitions", 1, "linger", "5ms", "batch-size", "64KiB"),
                w.broker("kafka").get("polybus"));
    }

    @Test
    void payloadFileIsResolvedAgainstTheWorkloadAndSetsTheSize() throws Exception {
        Files.write(dir.resolve("payload.bin"), new byte[300]);
        Path file = dir.resolve("w.yaml");
        Files.writeString(file, "payload-file: payload.bin\n");

        Workload w = Workload.read(file);

        assertEquals(300, w.messageSize());
        assertEquals(dir.resolve("payload.bin"), w.payloadFile());
    }

    @Test
    void badValuesNameKeyValueAndWhatIsAccepted() {
        ConfigException small = assertThrows(ConfigException.class, () -> Workload.parse("message-size: 10", null));
        assertTrue(small.getMessage().contains("message-size") && small.getMessage().contains("at least 32"), small.getMessage());

        ConfigException rate = assertThrows(ConfigException.class, () -> Workload.parse("rate: fast", null));
        assertTrue(rate.getMessage().contains("rate") && rate.getMessage().contains("fast"), rate.getMessage());

        ConfigException dist = assertThrows(ConfigException.class, () -> Workload.parse("key-distribution: zipf", null));
        assertTrue(dist.getMessage().contains("round-robin, random"), dist.getMessage());

        ConfigException phases = assertThrows(ConfigException.class, () -> Workload.parse("phases: apart", null));
        assertTrue(phases.getMessage().contains("phases") && phases.getMessage().contains("apart")
                && phases.getMessage().contains("together, separate"), phases.getMessage());

        for (String bad : new String[] {"0", "-1", "three", "101"}) {
            ConfigException repeat = assertThrows(ConfigException.class, () -> Workload.parse("repeat: " + bad, null));
            assertTrue(repeat.getMessage().contains("repeat") && repeat.getMessage().contains(bad)
                    && repeat.getMessage().contains("from 1 to 100"), repeat.getMessage());
        }
    }
}
