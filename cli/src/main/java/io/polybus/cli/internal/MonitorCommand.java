package io.polybus.cli.internal;

import picocli.CommandLine.Command;

/** {@code polybus monitor -c monitor.yaml}: runs the file's monitor (and the metrics endpoint) until stopped. */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = "Turn the log events of a topic into alerts: the file's monitor: section (rules and notifiers), "
                + "with Prometheus metrics and /health when it has a metrics: section.")
public final class MonitorCommand extends ServiceCommand {
    @Override
    String name() {
        return "monitor";
    }

    @Override
    String section() {
        return "monitor";
    }

    @Override
    boolean has(PolybusFile file) {
        return file.monitor() != null;
    }
}
