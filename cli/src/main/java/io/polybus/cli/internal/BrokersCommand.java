package io.polybus.cli.internal;

import io.polybus.BrokerInfo;
import io.polybus.Brokers;
import io.polybus.spi.ConfigDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.stream.Collectors;

/** {@code polybus brokers}: the broker providers on the class path and what each can promise. */
@Command(name = "brokers", mixinStandardHelpOptions = true,
        description = "List the broker types found on the class path and their capabilities.")
public final class BrokersCommand implements Runnable {
    @Option(names = {"-v", "--verbose"}, description = "Also list each broker's configuration keys.")
    boolean verbose;

    @Override
    public void run() {
        List<BrokerInfo> found = Brokers.available();
        if (found.isEmpty()) {
            System.out.println("no broker found on the class path (add a polybus-broker-* module)");
            return;
        }
        for (BrokerInfo b : found) {
            System.out.printf("%-10s %s%n           capabilities: %s%n", b.type(), b.description(),
                    b.capabilities().stream().map(Enum::name).sorted().collect(Collectors.joining(", ")));
            if (verbose) {
                Brokers.configDef(b.type()).map(ConfigDef::toMarkdown).ifPresent(md -> System.out.println(md.indent(11)));
            }
        }
    }
}
