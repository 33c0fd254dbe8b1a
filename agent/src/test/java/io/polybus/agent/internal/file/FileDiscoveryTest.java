package io.polybus.agent.internal.file;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pattern that matches no file is said once, and again only after it matched something in between. */
class FileDiscoveryTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(FileDiscovery.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    private List<String> warnings() {
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aPatternThatMatchesNothingIsWarnedOnceUntilItMatches() throws Exception {
        String typo = dir + "/ngnix/*.log";
        FileDiscovery discovery = new FileDiscovery("web", List.of(typo), List.of());

        assertTrue(discovery.scan().isEmpty());
        discovery.scan();
        assertEquals(List.of("source 'web': '" + typo + "' matches no file (yet): a typo? Files that appear later are "
                + "picked up"), warnings());

        Files.createDirectories(dir.resolve("ngnix"));
        Files.writeString(dir.resolve("ngnix/access.log"), "x\n");
        assertEquals(1, discovery.scan().size());
        Files.delete(dir.resolve("ngnix/access.log"));
        discovery.scan();
        assertEquals(2, warnings().size(), "said again after it had matched: " + warnings());
    }
}
