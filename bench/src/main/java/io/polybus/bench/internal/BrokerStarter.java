package io.polybus.bench.internal;

import io.polybus.spi.ProviderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Starts local brokers that do not answer, with the project's {@code scripts/brokers up <broker>}. A broker
 * that answers on its port is left as it is.
 */
public final class BrokerStarter {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerStarter.class);
    private static final int START_TIMEOUT_SECONDS = 300;

    private final Path script;
    private final PrintStream log;

    /** @param log where the script's output goes (stderr: stdout is the table's) */
    public BrokerStarter(Path script, PrintStream log) {
        this.script = script;
        this.log = log;
    }

    /** The script under {@code $POLYBUS_HOME}, else under the working directory. */
    public static Path defaultScript() {
        String home = System.getenv("POLYBUS_HOME");
        return (home == null ? Path.of("") : Path.of(home)).resolve("scripts").resolve("brokers").toAbsolutePath();
    }

    /**
     * Makes sure {@code broker} answers at the address in {@code settings}, starting it when it does not.
     *
     * @throws IOException when the script is missing, fails or the broker still does not answer
     */
    public void ensureUp(String broker, ProviderConfig settings) throws IOException, InterruptedException {
        InetSocketAddress address = address(broker, settings);
        if (address == null || answers(address)) {
            return;
        }
        if (!Files.isExecutable(script)) {
            throw new IOException(broker + " does not answer at " + address.getHostString() + ":" + address.getPort()
                    + " and the broker script " + script + " is missing or not executable (set POLYBUS_HOME or --brokers-script)");
        }
        log.println("starting " + broker + ": " + script + " up " + broker);
        ProcessBuilder builder = new ProcessBuilder(script.toString(), "up", broker).redirectErrorStream(true);
        RawBaseline baseline = RawBaseline.ALL.get(broker);
        if (baseline != null && baseline.portVariable() != null) {
            // The workload may name another port than the server's default: the script starts it there.
            builder.environment().put(baseline.portVariable(), Integer.toString(address.getPort()));
        }
        Process process = builder.start();
        try (InputStream out = process.getInputStream()) {
            out.transferTo(log);
        }
        if (!process.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroy();
            throw new IOException(script + " up " + broker + " did not finish within " + START_TIMEOUT_SECONDS + " s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(script + " up " + broker + " failed with exit code " + process.exitValue());
        }
        if (!answers(address)) {
            throw new IOException(broker + " still does not answer at " + address.getHostString() + ":" + address.getPort());
        }
    }

    /** Where the raw client of {@code broker} connects to (Kafka: its first bootstrap server), or null for none. */
    static InetSocketAddress address(String broker, ProviderConfig settings) {
        RawBaseline baseline = RawBaseline.ALL.get(broker);
        return baseline == null ? null : baseline.address().apply(settings);
    }

    static boolean answers(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address.getHostString(), address.getPort()), 1000);
            return true;
        } catch (IOException e) {
            LOG.debug("{} does not answer: {}", address, e.toString());
            return false;
        }
    }
}
