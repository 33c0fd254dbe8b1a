package io.polybus.agent.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How a source that reads bytes cuts them into records: the charset, the largest event and what happens to a
 * longer one, and multi-line joining. The keys are shared by the file, stdin and syslog sources.
 *
 * @param multiline null unless lines are joined
 */
public record LineSettings(Charset charset, int maxEventBytes, boolean truncate, Multiline multiline) {

    /** Multi-line joining: a line matching {@code start} begins an event, others continue it. */
    public record Multiline(Pattern start, Duration timeout, int maxLines) {
    }

    private static final ConfigDef MULTILINE = ConfigDef.builder("section", "multiline")
            .defineParsed("start", "a regular expression", RegexParser::parse,
                    "A Java regular expression matching the first line of an event, e.g. `^\\d{4}-\\d{2}-\\d{2}`; other lines continue the event.")
            .define("timeout", Type.DURATION, "1s", ConfigDef.atLeast(Duration.ofMillis(1)), "An event that got no new line for this long is sent.")
            .define("max-lines", Type.INT, "500", ConfigDef.between(1, 1_000_000), "Lines joined at most into one event.")
            .required("start")
            .build();

    /**
     * The keys of a line source.
     *
     * @param maxEventBytes the default of {@code max-event-bytes}
     * @param multiline     whether {@code multiline} is offered
     */
    public static ConfigDef keys(String kind, String maxEventBytes, boolean multiline) {
        ConfigDef.Builder b = ConfigDef.builder("source", kind)
                .define("encoding", Type.STRING, "UTF-8", LineSettings::checkCharset, "The charset of the bytes; it must encode newline as 0x0A.")
                .define("max-event-bytes", Type.SIZE, maxEventBytes, ConfigDef.between(16, 64L << 20),
                        "The largest event; a longer record is split into chunks (tagged `_split`) or truncated (`_truncated`).")
                .define("oversize", Type.STRING, "split", ConfigDef.oneOf("split", "truncate"), "What happens to a record over `max-event-bytes`.");
        if (multiline) {
            b.defineSection("multiline", MULTILINE, "Joins lines into one event (stack traces).");
        }
        return b.build();
    }

    /** The settings from keys parsed with {@link #keys}. */
    public static LineSettings of(ProviderConfig c) {
        Multiline m = c.findSection("multiline").map(s -> new Multiline(s.get("start", Pattern.class),
                s.getDuration("timeout"), s.getInt("max-lines"))).orElse(null);
        return new LineSettings(Charset.forName(c.getString("encoding")), (int) c.getSize("max-event-bytes"),
                c.getString("oversize").equalsIgnoreCase("truncate"), m);
    }

    private static String checkCharset(Object value) {
        try {
            Charset charset = Charset.forName(String.valueOf(value));
            return "\n".equals(new String("\n".getBytes(charset), StandardCharsets.ISO_8859_1)) ? null
                    : "a charset that encodes newline as the byte 0x0A (UTF-8, ISO-8859-1, windows-1252, ...)";
        } catch (IllegalArgumentException e) {
            return "a charset name such as UTF-8 or ISO-8859-1";
        }
    }

}
