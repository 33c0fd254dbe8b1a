package io.polybus.agent.internal.file;

import io.polybus.agent.internal.LineSettings;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.time.Duration;
import java.util.List;

/** The keys of a {@code file} source. */
record FileSettings(List<String> paths, List<String> exclude, boolean startAtEnd, LineSettings lines,
                    int fingerprintBytes, int maxOpenFiles, Duration scanInterval, Duration closeInactive,
                    Duration closeRemovedAfter) {

    static final ConfigDef KEYS = ConfigDef.builder("source", "file")
            .defineRequired("paths", Type.LIST, ConfigDef.nonEmpty(),
                    "Glob patterns of the files to follow, such as `/var/log/nginx/*.log` or `logs/**/*.log` (`**` crosses directories).")
            .define("exclude", Type.LIST, "", "Patterns of files to leave alone; without a slash a pattern matches file names (`*.gz`).")
            .define("start-at", Type.STRING, "beginning", ConfigDef.oneOf("beginning", "end"),
                    "Where a file found at start-up without a checkpoint is read from; files appearing later are read from the beginning.")
            .include(LineSettings.keys("file", "1MiB", true))
            .define("fingerprint-bytes", Type.SIZE, "1024", ConfigDef.between(1, 1 << 20),
                    "Bytes at the start of a file that identify it, with its device and inode (a copy starts alike, a reused inode does not).")
            .define("max-open-files", Type.INT, "1024", ConfigDef.between(1, 1 << 20), "Files held open at once; idle ones are closed first.")
            .define("scan-interval", Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofMillis(10)), "How often the patterns are matched again.")
            .define("close-inactive", Type.DURATION, "5m", ConfigDef.atLeast(Duration.ofMillis(10)),
                    "A file read to its end that did not grow for this long is closed (and reopened when it grows).")
            .define("close-removed-after", Type.DURATION, "5s", "A file removed or renamed away is read to its end, then released after this long.")
            .build();

    static FileSettings of(ProviderConfig c) {
        return new FileSettings(c.getList("paths"), c.getList("exclude"), c.getString("start-at").equalsIgnoreCase("end"),
                LineSettings.of(c), (int) c.getSize("fingerprint-bytes"), c.getInt("max-open-files"),
                c.getDuration("scan-interval"), c.getDuration("close-inactive"), c.getDuration("close-removed-after"));
    }
}
