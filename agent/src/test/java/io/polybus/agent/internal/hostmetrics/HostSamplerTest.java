package io.polybus.agent.internal.hostmetrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostSamplerTest {
    @TempDir
    Path proc;

    private void write(String name, String text) throws Exception {
        Path p = proc.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    void readsProcFilesAndComputesRatesBetweenSamples() throws Exception {
        write("stat", "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n");
        write("meminfo", "MemTotal:        1000 kB\nMemFree:          100 kB\nMemAvailable:     250 kB\n");
        write("loadavg", "0.52 0.40 0.30 1/123 4567\n");
        write("net/dev", """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo: 999999 10 0 0 0 0 0 0 999999 10 0 0 0 0 0 0
                  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0
                """);
        HostSampler sampler = new HostSampler(proc, List.of(proc.toString()));
        ObjectNode first = sampler.sample(10_000);
        assertFalse(first.path("cpu").has("used_pct"), "no CPU use before a second sample");
        assertEquals(75.0, first.path("memory").path("used_pct").asDouble());
        assertEquals(1_024_000, first.path("memory").path("total_bytes").asLong());
        assertEquals(0.52, first.path("load").path("1m").asDouble());
        assertEquals(1000, first.path("network").path("rx_bytes").asLong());
        assertTrue(first.path("disk").path(proc.toString()).path("total_bytes").asLong() > 0);

        write("stat", "cpu  250 0 150 750 150 0 0 0 0 0\n");
        write("net/dev", "  eth0: 6000 10 0 0 0 0 0 0 4000 20 0 0 0 0 0 0\n");
        ObjectNode second = sampler.sample(12_000);
        assertEquals(66.7, second.path("cpu").path("used_pct").asDouble(), "200 busy of 300 jiffies");
        assertEquals(2500.0, second.path("network").path("rx_bytes_per_s").asDouble());
        assertEquals(1000.0, second.path("network").path("tx_bytes_per_s").asDouble());
    }

    @Test
    void fallsBackToTheJdkWithoutProc() {
        ObjectNode fields = new HostSampler(proc.resolve("absent"), List.of("/")).sample(0);
        assertTrue(fields.path("cpu").path("cores").asInt() >= 1);
        assertTrue(fields.path("memory").path("total_bytes").asLong() > 0);
    }
}
