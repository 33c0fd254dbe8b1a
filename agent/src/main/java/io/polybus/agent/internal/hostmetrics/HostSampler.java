package io.polybus.agent.internal.hostmetrics;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads this machine's CPU, memory, load, disk and network figures: from {@code /proc} on Linux, from the JDK
 * elsewhere (and for what {@code /proc} lacks). CPU use and network rates are differences between two
 * samples, so the first sample reports none. Not thread-safe: one sampler per source.
 */
public final class HostSampler {
    private final Path proc;
    private final List<String> disks;
    private long[] lastCpu;
    private long[] lastNet;
    private long lastNetMillis;

    public HostSampler(Path proc, List<String> disks) {
        this.proc = proc;
        this.disks = disks;
    }

    /** The {@code fields} of one host-metrics event; {@code nowMillis} times the network rates. */
    public ObjectNode sample(long nowMillis) {
        ObjectNode fields = JsonNodeFactory.instance.objectNode();
        cpu(fields.putObject("cpu"));
        memory(fields.putObject("memory"));
        load(fields.putObject("load"));
        ObjectNode disk = fields.putObject("disk");
        for (String path : disks) {
            disk(disk, path);
        }
        network(fields.putObject("network"), nowMillis);
        return fields;
    }

    private void cpu(ObjectNode cpu) {
        cpu.put("cores", Runtime.getRuntime().availableProcessors());
        long[] now = read("stat").map(HostSampler::parseCpu).orElse(null);
        if (now != null) {
            if (lastCpu != null) {
                cpu.put("used_pct", cpuUsedPct(lastCpu, now));
            }
            lastCpu = now;
        } else if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getCpuLoad() >= 0) {
            cpu.put("used_pct", round(os.getCpuLoad() * 100));
        }
    }

    private void memory(ObjectNode memory) {
        long[] mem = read("meminfo").map(HostSampler::parseMeminfo).orElse(null);
        long total;
        long available;
        if (mem != null) {
            total = mem[0];
            available = mem[1];
        } else if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            total = os.getTotalMemorySize();
            available = os.getFreeMemorySize();
        } else {
            return;
        }
        memory.put("total_bytes", total);
        memory.put("available_bytes", available);
        if (total > 0) {
            memory.put("used_pct", round(100.0 * (total - available) / total));
        }
    }

    private void load(ObjectNode load) {
        double[] avg = read("loadavg").map(HostSampler::parseLoadavg).orElse(null);
        if (avg != null) {
            load.put("1m", avg[0]);
            load.put("5m", avg[1]);
            load.put("15m", avg[2]);
        } else {
            double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            if (one >= 0) {
                load.put("1m", round(one));
            }
        }
    }

    private static void disk(ObjectNode disk, String path) {
        try {
            var store = Files.getFileStore(Path.of(path));
            long total = store.getTotalSpace();
            long free = store.getUsableSpace();
            ObjectNode d = disk.putObject(path);
            d.put("total_bytes", total);
            d.put("free_bytes", free);
            if (total > 0) {
                d.put("used_pct", round(100.0 * (total - free) / total));
            }
        } catch (IOException e) {
            disk.putObject(path).put("error", e.getClass().getSimpleName());
        }
    }

    private void network(ObjectNode net, long nowMillis) {
        long[] now = read("net/dev").map(HostSampler::parseNetDev).orElse(null);
        if (now == null) {
            return;
        }
        net.put("rx_bytes", now[0]);
        net.put("tx_bytes", now[1]);
        if (lastNet != null && nowMillis > lastNetMillis) {
            double seconds = (nowMillis - lastNetMillis) / 1000.0;
            net.put("rx_bytes_per_s", round(Math.max(0, now[0] - lastNet[0]) / seconds));
            net.put("tx_bytes_per_s", round(Math.max(0, now[1] - lastNet[1]) / seconds));
        }
        lastNet = now;
        lastNetMillis = nowMillis;
    }

    private Optional<String> read(String name) {
        try {
            return Optional.of(Files.readString(proc.resolve(name)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code [busy, total]} jiffies from the first line of {@code /proc/stat}, or null. */
    static long[] parseCpu(String stat) {
        String line = stat.lines().filter(l -> l.startsWith("cpu ")).findFirst().orElse(null);
        if (line == null) {
            return null;
        }
        String[] parts = line.trim().split("\\s+");
        long total = 0;
        long idle = 0;
        for (int i = 1; i < parts.length && i <= 8; i++) {
            long v = Long.parseLong(parts[i]);
            total += v;
            if (i == 4 || i == 5) {
                idle += v;
            }
        }
        return new long[]{total - idle, total};
    }

    static double cpuUsedPct(long[] before, long[] after) {
        long total = after[1] - before[1];
        return total <= 0 ? 0 : round(100.0 * (after[0] - before[0]) / total);
    }

    /** {@code [MemTotal, MemAvailable]} in bytes, or null. */
    static long[] parseMeminfo(String meminfo) {
        long total = -1;
        long available = -1;
        for (String line : meminfo.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 2 && parts[0].equals("MemTotal:")) {
                total = Long.parseLong(parts[1]) * 1024;
            } else if (parts.length >= 2 && parts[0].equals("MemAvailable:")) {
                available = Long.parseLong(parts[1]) * 1024;
            }
        }
        return total < 0 || available < 0 ? null : new long[]{total, available};
    }

    static double[] parseLoadavg(String loadavg) {
        String[] parts = loadavg.trim().split("\\s+");
        if (parts.length < 3) {
            return null;
        }
        return new double[]{Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])};
    }

    /** {@code [rx, tx]} bytes summed over every interface but loopback, or null. */
    static long[] parseNetDev(String netDev) {
        long rx = 0;
        long tx = 0;
        boolean any = false;
        for (String line : netDev.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || line.substring(0, colon).trim().equals("lo")) {
                continue;
            }
            String[] parts = line.substring(colon + 1).trim().split("\\s+");
            if (parts.length >= 9) {
                rx += Long.parseLong(parts[0]);
                tx += Long.parseLong(parts[8]);
                any = true;
            }
        }
        return any ? new long[]{rx, tx} : null;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
