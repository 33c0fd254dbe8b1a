package io.polybus.cli.internal;

import picocli.CommandLine;
import picocli.CommandLine.Command;

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

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PolybusCommand.class.getPackage().getImplementationVersion();
            return new String[] {"polybus " + (v == null ? "(development build)" : v)};
        }
    }
}
