package io.polybus.cli.internal;

import picocli.CommandLine.Command;

/** {@code polybus sink -c sink.yaml}: runs the file's sinks (and the metrics endpoint) until stopped. */
@Command(name = "sink", mixinStandardHelpOptions = true,
        description = "Write the log events of a topic into stores: the file's sinks: section, at least once, "
                + "with Prometheus metrics and /health when it has a metrics: section.")
public final class SinkCommand extends ServiceCommand {
    @Override
    String name() {
        return "sink";
    }

    @Override
    String section() {
        return "sinks";
    }

    @Override
    boolean has(PolybusFile file) {
        return file.sinks() != null;
    }
}
