package io.polybus.agent;

import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A processor defined only in test sources ({@code com.example.processor.UpperCaseProvider}, listed in the test
 * resources' services file) is found by its {@code type:} in YAML, checked by its keys, and runs in the chain.
 */
class ProcessorPluginTest {
    @TempDir
    Path dir;

    @Test
    void aProcessorFromAnotherJarIsFoundByItsTypeAndRuns() throws Exception {
        Path log = dir.resolve("app.log");
        Files.writeString(log, "first line\nsecond line\n");
        try (AgentFixture fixture = new AgentFixture(dir)) {
            fixture.start(fixture.yaml(AgentFixture.fileSource("app", log.toString(),
                    "    processors:\n      - {type: upper-case}\n      - {type: add-fields, fields: {after: upper}}\n")));
            await().atMost(Duration.ofSeconds(30)).until(() -> fixture.messages().size() == 2);
            assertEquals(List.of("FIRST LINE", "SECOND LINE"), fixture.messages());
            assertEquals("upper", fixture.snapshot().get(0).path("fields").path("after").asText());
        }
    }

    @Test
    void itsKeysAreCheckedLikeABuiltInsKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> AgentConfig.fromYaml(
                "sources: [{paths: [x], processors: [{type: upper-case, feild: message}]}]\n", name -> null));
        assertTrue(e.getMessage().contains("sources[0].processors[0].feild: unknown key for processor 'upper-case'; known keys: field"),
                e.getMessage());
    }
}
