package io.polybus.bench.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Where a benchmark ran: JVM, machine and library versions, for the report's provenance. */
final class Environment {
    private Environment() {
    }

    static Map<String, String> describe() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
                + " (" + System.getProperty("java.vendor") + ")");
        Runtime rt = Runtime.getRuntime();
        env.put("jvm.max-heap", rt.maxMemory() / (1024 * 1024) + " MiB");
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        env.put("cpus", String.valueOf(rt.availableProcessors()));
        env.put("load-average", String.format(Locale.ROOT, "%.2f at start (other processes share the CPUs)",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        procLine(Path.of("/proc/cpuinfo"), "model name").ifPresent(v -> env.put("cpu", v));
        procLine(Path.of("/proc/meminfo"), "MemTotal").ifPresent(v -> env.put("memory", v));
        try {
            env.put("host", InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            env.put("host", "unknown");
        }
        Benchmark.versions().forEach((lib, version) -> env.put("version." + lib, version));
        return env;
    }

    private static Optional<String> procLine(Path file, String name) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(name)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
