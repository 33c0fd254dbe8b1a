package io.polybus.cli.internal;

import io.polybus.ConfigException;
import io.polybus.agent.internal.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code polybus validate -c agent.yaml}: checks a configuration without connecting to anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check an agent configuration; lists every problem with its path and exits non-zero when there is one.")
public final class ValidateCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The agent's YAML configuration.")
    Path config;

    @Override
    public Integer call() {
        try {
            Settings s = Settings.load(config);
            System.out.println(config + " is valid: " + s.sources().size() + " source(s) ("
                    + s.sources().stream().map(src -> src.name() + ": " + src.type()).collect(Collectors.joining(", "))
                    + "), broker '" + s.broker().get("type").orElse("memory") + "'");
            return 0;
        } catch (ConfigException e) {
            System.err.println(config + " has " + e.problems().size() + " problem(s):");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 1;
        }
    }
}
