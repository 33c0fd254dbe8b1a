package io.polybus.sinks.internal.file;

import io.polybus.events.ComponentContext;
import io.polybus.events.Sink;
import io.polybus.events.SinkProvider;
import io.polybus.events.Template;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

/** {@code type: file}: NDJSON files named by a template over time and fields, compressed, rolled by size and time. */
public final class FileSinkProvider implements SinkProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("sink", "file")
            .defineRequired("path", Type.STRING, FileSinkProvider::checkPath,
                    "The file each event is appended to: a template over the event's time in UTC (`{yyyy}`, `{MM}`, `{dd}`, "
                            + "`{HH}`, `{mm}`: any reference made of the letters y M d H m s) and its fields (`{host}`, "
                            + "`{service}`, `{source.name}`); folders are created.")
            .define("compression", Type.STRING, "auto", ConfigDef.oneOf("auto", "none", "gzip", "zstd"),
                    "`gzip`, `zstd` or `none`; `auto` takes it from the path's ending (`.gz`, `.zst`).")
            .define("zstd-level", Type.INT, "3", ConfigDef.between(1, 19), "The zstd compression level.")
            .define("max-file-size", Type.SIZE, "256MiB", ConfigDef.between(1, 1L << 40),
                    "A file is rolled once this many bytes of NDJSON (before compression) are in it.")
            .define("max-file-age", Type.DURATION, "1h", ConfigDef.atLeast(Duration.ofSeconds(1)),
                    "A file open this long is rolled at the next write.")
            .define("max-open-files", Type.INT, "64", ConfigDef.between(1, 10_000),
                    "Files written at once, at most; beyond it, the one written least recently is rolled.")
            .build();

    @Override
    public String type() {
        return "file";
    }

    @Override
    public String description() {
        return "Appends events as NDJSON to files named by time and fields, gzip or zstd, fsynced before acknowledgement.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Sink create(ProviderConfig config, ComponentContext context) {
        String path = config.getString("path");
        return new FileSink(context.name(), Template.withTime(path, context.clock()), compression(config.getString("compression"), path),
                config.getInt("zstd-level"), config.getSize("max-file-size"), config.getDuration("max-file-age"),
                config.getInt("max-open-files"), context.clock());
    }

    private static String checkPath(Object value) {
        String path = String.valueOf(value);
        if (path.isBlank()) {
            return "a file path";
        }
        try {
            Template.withTime(path, Clock.systemUTC());
            return null;
        } catch (IllegalArgumentException e) {
            return "a path template: " + e.getMessage();
        }
    }

    static FileSink.Compression compression(String key, String path) {
        if (!key.equals("auto")) {
            return FileSink.Compression.valueOf(key.toUpperCase(Locale.ROOT));
        }
        if (path.endsWith(".gz")) {
            return FileSink.Compression.GZIP;
        }
        return path.endsWith(".zst") || path.endsWith(".zstd") ? FileSink.Compression.ZSTD : FileSink.Compression.NONE;
    }
}
