package io.polybus.cli.internal;

import io.polybus.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code polybus validate -c file.yaml}: checks every section and component of a file without connecting to anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a configuration file (agent, monitor, sinks, metrics, broker); lists every problem "
                + "with its path and exits non-zero when there is one.")
public final class ValidateCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @Override
    public Integer call() {
        try {
            PolybusFile file = PolybusFile.read(config, System::getenv, CliPlugins.load());
            System.out.println(config + " is valid: " + file.summary());
            return 0;
        } catch (ConfigException e) {
            System.err.println(config + " has " + e.problems().size() + " problem(s):");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 1;
        }
    }
}
