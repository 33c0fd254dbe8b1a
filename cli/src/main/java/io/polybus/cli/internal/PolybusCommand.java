package io.polybus.cli.internal;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The top-level {@code polybus} command. A new subcommand is one class annotated with {@link Command} added to
 * the {@code subcommands} list below.
 */
@Command(name = "polybus", mixinStandardHelpOptions = true, versionProvider = PolybusCommand.Version.class,
        description = "Move messages and logs through Kafka, RabbitMQ, Redis or an in-process broker: ship logs, alert on them, write them into stores.",
        subcommands = {
                AgentCommand.class,
                ValidateCommand.class,
                ProduceCommand.class,
                ConsumeCommand.class,
                BrokersCommand.class,
                MonitorCommand.class,
                SinkCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class
        })
public final class PolybusCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The command line with every subcommand, ready to {@code execute(args)}. */
    public static CommandLine commandLine() {
        return new CommandLine(new PolybusCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The version of the build, written into {@code version.properties} by Maven (jar and target/classes alike). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = PolybusCommand.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new IOException("version.properties is missing from the class path: rebuild with ./mvnw package");
                }
                p.load(in);
            }
            return new String[] {"polybus " + p.getProperty("version")};
        }
    }
}
