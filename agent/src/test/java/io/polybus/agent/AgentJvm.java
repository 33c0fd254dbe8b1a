package io.polybus.agent;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An agent in a JVM of its own, run from a configuration file with the test's class path, so a test can kill it
 * with SIGKILL. Its output goes to a log file; its standard input is a pipe the test writes to.
 */
final class AgentJvm {
    private final Process process;

    private AgentJvm(Process process) {
        this.process = process;
    }

    /** The child's main: runs the agent of the file named by {@code args[0]} until SIGTERM (or SIGKILL). */
    public static void main(String[] args) throws Exception {
        Agent agent = Agent.fromYaml(Files.readString(Path.of(args[0])), new SimpleMeterRegistry());
        Runtime.getRuntime().addShutdownHook(new Thread(agent::stop));
        agent.start(Agent.RunOptions.defaults());
        Thread.currentThread().join();
    }

    static AgentJvm start(Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                AgentJvm.class.getName(), config.toString()));
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new AgentJvm(pb.start());
    }

    /** The agent's standard input. */
    java.io.OutputStream stdin() {
        return process.getOutputStream();
    }

    /** SIGKILL: no shutdown code runs. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then the exit code (or -1 when it did not exit within 60 s). */
    int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    void forceStopIfAlive() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }
}
