package io.polybus.cli.internal;

import io.micrometer.core.instrument.Metrics;
import io.polybus.ConfigException;
import io.polybus.PolybusException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A command that runs a file that has a given section ({@code monitor:}, {@code sinks:}) until the process is
 * stopped: what else the file has runs too (its sources, its metrics endpoint), as a file runs what it has. Exit codes: 0 after a clean stop or a good {@code --check}, 1 when the broker or a part
 * cannot be opened, 2 for bad configuration.
 */
abstract class ServiceCommand implements Callable<Integer> {
    private static final long STOP_TIMEOUT_SECONDS = 30;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration.")
    Path config;

    @Option(names = "--check", description = "Validate the configuration, print a summary and exit.")
    boolean check;

    @Spec
    CommandSpec spec;

    /** The command's name, for messages. */
    abstract String name();

    /** The section it runs. */
    abstract String section();

    /** Whether the file has the section this command runs. */
    abstract boolean has(PolybusFile file);


    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PolybusFile file;
        try {
            file = PolybusFile.read(config, System::getenv, CliPlugins.load());
        } catch (ConfigException e) {
            err.println("polybus " + name() + ": " + config + ": " + e.getMessage());
            err.flush();
            return 2;
        }
        if (!has(file)) {
            err.println("polybus " + name() + ": " + config + " has no " + section() + ": section");
            err.flush();
            return 2;
        }
        if (check) {
            out.println(config + ": OK: " + file.summary());
            out.flush();
            return 0;
        }
        return run(file, err);
    }

    private int run(PolybusFile file, PrintWriter err) {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and Ctrl-C stop it cleanly and it exits 0; left to the JVM, they would end it with 143 and 130.
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "polybus-" + name() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PolybusProcess process = null;
        try {
            process = PolybusProcess.start(file, new PolybusProcess.Options(false, false, new PrintStream(System.out, true), System.in), Metrics.globalRegistry);
            stop.await();
            return 0;
        } catch (PolybusException | IllegalStateException e) {
            err.println("polybus " + name() + ": " + e.getMessage());
            err.flush();
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            if (process != null) {
                process.stop();
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already: the hook is running and waits for us
            }
        }
    }
}
