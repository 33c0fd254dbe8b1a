package io.polybus.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code polybus agent -c FILE} (or another command) in its own JVM, with the test's class path; output goes to a log file. */
final class AgentProcess {
    private final Process process;

    private AgentProcess(Process process) {
        this.process = process;
    }

    static AgentProcess start(Path config, Path log) throws IOException {
        return start("agent", config, log);
    }

    /** {@code polybus COMMAND -c CONFIG}, e.g. {@code monitor}. */
    static AgentProcess start(String command, Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                PolybusMain.class.getName(), command, "-c", config.toString()));
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new AgentProcess(pb.start());
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

    boolean isAlive() {
        return process.isAlive();
    }

    void forceStopIfAlive() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }
}
