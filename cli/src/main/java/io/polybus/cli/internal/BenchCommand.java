package io.polybus.cli.internal;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code polybus bench}: listed here so that {@code polybus --help} shows it; {@code bin/polybus} runs the bench module
 * itself from a source checkout, so this command is reached only where the bench is not (a distribution archive).
 */
@Command(name = "bench", description = "Benchmark brokers side by side: one workload through Polybus and each raw "
        + "client, tables and charts (from a source checkout: bin/polybus bench --help).")
public final class BenchCommand implements Callable<Integer> {
    /** The bench's own arguments, whatever they are: this command only says where the bench is. */
    @Unmatched
    List<String> ignored = new ArrayList<>();

    @Override
    public Integer call() {
        System.err.println("polybus bench: the bench runs from a source checkout (bin/polybus bench, see bench/README.md); "
                + "this distribution does not include it");
        return 2;
    }
}
