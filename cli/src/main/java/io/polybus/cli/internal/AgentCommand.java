package io.polybus.cli.internal;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.polybus.ConfigException;
import io.polybus.PolybusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code polybus agent -c agent.yaml}: runs everything the file configures (sources, and a monitor and sinks beside
 * them) until SIGTERM or Ctrl-C.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Ship log files, stdin, syslog and host metrics to the configured broker, at least once; "
                + "runs the file's monitor and sinks beside them.",
                "Stops on SIGTERM or Ctrl-C: stops reading, waits for the broker's acknowledgements, saves checkpoints, exits 0."})
public final class AgentCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(AgentCommand.class);

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The agent's YAML configuration.")
    Path config;

    @Option(names = "--once", description = "Exit when every source reached the end of its input and the broker acknowledged everything.")
    boolean once;

    @Option(names = "--show", description = "Print a summary every few seconds (and, on the memory broker, the latest events).")
    boolean show;

    @Override
    public Integer call() throws InterruptedException {
        Metrics.globalRegistry.add(new SimpleMeterRegistry());
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        PolybusFile file;
        try {
            file = PolybusFile.read(config, System::getenv, CliPlugins.load());
        } catch (ConfigException e) {
            System.err.println("polybus: " + config + " is not valid:");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 2;
        }
        if (file.agent() == null) {
            System.err.println("polybus: " + config + " has no sources: nothing for the agent to read (sources: [...])");
            return 2;
        }
        PolybusProcess process;
        try {
            process = start(file, stop);
        } catch (PolybusException | IllegalStateException | UncheckedIOException e) {
            System.err.println("polybus: cannot start the agent: " + e.getMessage());
            return 1;
        }
        if (process == null) {
            return 0;
        }
        Thread hook = new Thread(process::stop, "polybus-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        while (!stop.await(200, TimeUnit.MILLISECONDS)) {
            if (process.awaitSourcesEnded(Duration.ZERO)) {
                break;
            }
        }
        boolean acknowledged = process.stop();
        Runtime.getRuntime().removeShutdownHook(hook);
        return once && !acknowledged ? 1 : 0;
    }

    /**
     * Starts the process, retrying with backoff while the broker cannot be reached (its health endpoint answers
     * meanwhile, reporting why); null when stopped first.
     */
    private PolybusProcess start(PolybusFile file, CountDownLatch stop) throws InterruptedException {
        long[] backoff = {1000};
        PolybusProcess.Options options = new PolybusProcess.Options(once, show, System.out, System.in);
        return PolybusProcess.start(file, options, Metrics.globalRegistry, e -> {
            log.warn("the broker cannot be reached, retrying in {} s: {}", backoff[0] / 1000, e.getMessage());
            boolean stopped = stop.await(backoff[0], TimeUnit.MILLISECONDS);
            backoff[0] = Math.min(30_000, backoff[0] * 2);
            return !stopped;
        });
    }
}
