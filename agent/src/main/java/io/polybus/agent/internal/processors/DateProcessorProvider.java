package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.FieldPath;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * {@code date}: parses a field into the event's time, trying each of {@code formats} in turn. A format without a
 * year (syslog's {@code MMM d HH:mm:ss}) takes the current year in {@code timezone}, or the one before when that
 * would put the event more than a day in the future (December's lines read in January).
 */
public final class DateProcessorProvider implements ProcessorProvider {
    static final String FAILURE = "_date_parse_failure";
    /** Auto: ISO-8601 with or without offset, or epoch seconds or milliseconds (by size). */
    static final String ISO8601 = "ISO8601";
    static final String UNIX = "UNIX";
    static final String UNIX_MS = "UNIX_MS";
    /** How a formatter that reads a year prints itself. */
    private static final Pattern YEAR = Pattern.compile("\\((Year|YearOfEra|WeekBasedYear)\\b");
    private static final Pattern SPACES = Pattern.compile(" {2,}");
    private static final long DAY_MILLIS = 86_400_000L;
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "date")
            .defineRequired("field", Type.STRING, null, "The field holding the time, e.g. `time_local` or `timestamp`.")
            .define("formats", Type.LIST, ISO8601,
                    "Tried in order: java.time patterns (`dd/MMM/yyyy:HH:mm:ss Z`, `MMM d HH:mm:ss`, `yyyy-MM-dd HH:mm:ss,SSS`), `ISO8601`, `UNIX` (seconds) or `UNIX_MS`; runs of spaces in the value count as one.")
            .define("timezone", Type.STRING, "UTC", "The zone of a time without an offset, e.g. `Europe/Paris`.")
            .define("locale", Type.STRING, "en", "The language of month and day names, as a BCP 47 tag.")
            .build();

    @Override
    public String type() {
        return "date";
    }

    @Override
    public String description() {
        return "Parses a field into the event's time with formats and a time zone; tags `" + FAILURE + "` when none fits.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        FieldPath field = FieldPath.of(config, "field");
        ZoneId zone;
        try {
            zone = ZoneId.of(config.getString("timezone"));
        } catch (DateTimeException e) {
            throw new ConfigException(config.pathOf("timezone"), config.getString("timezone"),
                    "expected a time zone such as UTC, +02:00 or Europe/Paris");
        }
        Locale locale = Locale.forLanguageTag(config.getString("locale"));
        List<Format> formats = new ArrayList<>();
        for (String f : config.getList("formats")) {
            formats.add(Format.of(f, locale, config.pathOf("formats")));
        }
        if (formats.isEmpty()) {
            throw new ConfigException(config.pathOf("formats"), null, "expected at least one format");
        }
        Clock clock = context.clock();
        return (event, chain) -> {
            Object v = event.get(field);
            if (v != null) {
                long millis = -1;
                for (int i = 0; i < formats.size() && millis < 0; i++) {
                    millis = formats.get(i).parse(v, zone, clock);
                }
                if (millis >= 0) {
                    event.timestampMillis(millis);
                } else {
                    event.tag(FAILURE);
                }
            } else {
                event.tag(FAILURE);
            }
            chain.proceed(event);
        };
    }

    /** One format: a pattern (and whether it has a year), or one of the named ones. */
    private record Format(String name, DateTimeFormatter formatter, boolean hasYear, Map<Integer, DateTimeFormatter> byYear) {
        static Format of(String text, Locale locale, String path) {
            if (text.equals(ISO8601) || text.equals(UNIX) || text.equals(UNIX_MS)) {
                return new Format(text, null, true, null);
            }
            try {
                DateTimeFormatter f = new DateTimeFormatterBuilder().parseCaseInsensitive().appendPattern(text).toFormatter(locale);
                boolean hasYear = YEAR.matcher(f.toString()).find();
                return new Format(text, f, hasYear, hasYear ? null : new ConcurrentHashMap<>());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(path, text, "expected ISO8601, UNIX, UNIX_MS or a java.time pattern: " + e.getMessage());
            }
        }

        long parse(Object value, ZoneId zone, Clock clock) {
            switch (name) {
                case ISO8601:
                    String iso = String.valueOf(value);
                    return value instanceof Number || iso.indexOf('-') < 0 ? -1 : Timestamps.parse(iso, null, zone);
                case UNIX:
                case UNIX_MS:
                    try {
                        double d = value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value).trim());
                        return d < 0 ? -1 : (long) (name.equals(UNIX) ? d * 1000 : d);
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                default:
                    String text = SPACES.matcher(String.valueOf(value).trim()).replaceAll(" ");
                    if (hasYear) {
                        return Timestamps.parse(text, formatter, zone);
                    }
                    int year = ZonedDateTime.now(clock.withZone(zone)).getYear();
                    long millis = Timestamps.parse(text, withYear(year), zone);
                    if (millis >= 0 && millis > clock.millis() + DAY_MILLIS) {
                        millis = Timestamps.parse(text, withYear(year - 1), zone);
                    }
                    return millis;
            }
        }

        private DateTimeFormatter withYear(int year) {
            return byYear.computeIfAbsent(year, y -> new DateTimeFormatterBuilder().append(formatter)
                    .parseDefaulting(ChronoField.YEAR, y).toFormatter(formatter.getLocale()));
        }
    }
}
