package io.polybus.cli.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolybusCommandTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private int run(String... args) {
        return PolybusCommand.commandLine().execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void versionIsTheBuildsVersion() throws Exception {
        assertEquals(0, run("-V"));
        String version = java.util.regex.Pattern.compile("<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml"))).results().map(m -> m.group(1)).findFirst().orElseThrow();
        assertEquals("polybus " + version, out().trim());
    }

    @Test
    void helpListsEveryCommand() {
        assertEquals(0, run("--help"));
        for (String c : new String[] {"agent", "validate", "produce", "consume", "brokers", "monitor", "sink", "bench"}) {
            assertTrue(out().lines().anyMatch(l -> l.trim().startsWith(c + " ")), c + " in:\n" + out());
        }
        assertEquals(0, run("agent", "--help"));
        assertTrue(out().contains("--once"), out());
    }

    @Test
    void validateListsEveryProblemAndExitsNonZero() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "sources: [{name: a, type: file, colour: red}]\nbroker: {type: memory, nme: x}\n");
        assertEquals(1, run("validate", "-c", bad.toString()));
        assertTrue(err().contains("3 problem(s)"), err());
        assertTrue(err().contains("sources[0].paths: required"), err());
        assertTrue(err().contains("sources[0].colour: unknown key"), err());
        assertTrue(err().contains("broker.nme: unknown key"), err());

        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "sources: [{name: a, paths: ['/var/log/*.log']}]\n");
        assertEquals(0, run("validate", "-c", good.toString()));
        assertTrue(out().contains("is valid: 1 source(s) (a: file), broker 'memory'"), out());
        assertEquals(1, run("validate", "-c", dir.resolve("missing.yaml").toString()));
        assertTrue(err().contains("configuration file not found"), err());
    }

    @Test
    void brokersListsTheProvidersAndTheirCapabilities() {
        assertEquals(0, run("brokers", "-v"));
        assertTrue(out().contains("memory"), out());
        assertTrue(out().contains("AT_LEAST_ONCE"), out());
        assertTrue(out().contains("max-group-bytes"), out());
    }

    @Test
    void agentOnceShipsTheQuickstartAndExitsZero() throws Exception {
        Path logs = dir.resolve("logs");
        Files.createDirectories(logs);
        Files.writeString(logs.resolve("a.log"), "{\"status\":200}\n{\"status\":502}\nnot json\n");
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "agent: {checkpoints: false}\nconsole: {summary-interval: 10s, samples: 1}\n"
                + "sources: [{name: a, paths: ['" + logs + "/*.log'], processors: [{type: json}]}]\n");
        assertEquals(0, run("agent", "-c", config.toString(), "--once"));
        assertTrue(out().contains("done: read 3 events, acknowledged 3"), out());
        assertTrue(out().contains("latest event"), out());
    }

    @Test
    void agentWithABadConfigurationSaysWhyAndExitsNonZero() throws Exception {
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "sources: [{name: a, type: socket}]\n");
        assertEquals(2, run("agent", "-c", config.toString()));
        assertTrue(err().contains("sources[0].type: 'socket' is not valid"), err());
    }
}
