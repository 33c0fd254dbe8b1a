package io.polybus.processors.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.Components;
import io.polybus.events.LogEvent;
import io.polybus.events.MutableEvent;
import io.polybus.events.Origin;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.processors.MmdbWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code user-agent} and {@code geoip} on real nginx and Apache lines, found by type as the agent finds them;
 * geoip against City and ASN databases this test writes ({@link MmdbWriter}).
 */
class EnrichmentTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, ProcessorProvider> TYPES = Components.load(ProcessorProvider.class);
    static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    static final String IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

    @TempDir
    static Path dir;
    static Path city;
    static Path asn;

    @BeforeAll
    static void databases() throws Exception {
        city = dir.resolve("Test-City.mmdb");
        asn = dir.resolve("Test-ASN.mmdb");
        writeDatabases(city, asn);
    }

    /** A City database with London and Berlin networks (v4 and v6) and an ASN database for one of them. */
    static void writeDatabases(Path city, Path asn) throws Exception {
        new MmdbWriter("GeoLite2-City")
                .insert("81.2.69.0/24", Map.of(
                        "city", Map.of("geoname_id", 2643743L, "names", Map.of("en", "London")),
                        "country", Map.of("geoname_id", 2635167L, "iso_code", "GB", "names", Map.of("en", "United Kingdom")),
                        "location", Map.of("latitude", 51.5142, "longitude", -0.0931, "accuracy_radius", 10)))
                .insert("2a02:8100::/32", Map.of(
                        "city", Map.of("names", Map.of("en", "Berlin")),
                        "country", Map.of("iso_code", "DE", "names", Map.of("en", "Germany")),
                        "location", Map.of("latitude", 52.52, "longitude", 13.405)))
                .insert("89.160.20.0/24", Map.of("country", Map.of("iso_code", "SE", "names", Map.of("en", "Sweden"))))
                .write(city);
        new MmdbWriter("GeoLite2-ASN")
                .insert("81.2.69.0/24", Map.of("autonomous_system_number", 20712L, "autonomous_system_organization", "Andrews & Arnold Ltd"))
                .write(asn);
    }

    static Processor build(String yaml) throws Exception {
        return Components.parse("processor", TYPES, null, YAML.readValue(yaml, Map.class), "processors[0]", null)
                .create(new ComponentContext("test", "h", null, Clock.systemUTC(), null));
    }

    private static LogEvent run(Processor p, Map<String, Object> fields) {
        MutableEvent e = new MutableEvent("h", "file", "s", java.nio.charset.StandardCharsets.UTF_8);
        e.reset("line", 1, Origin.NONE, -1);
        e.fields().putAll(fields);
        List<LogEvent> out = new ArrayList<>();
        p.process(e, out::add);
        assertEquals(1, out.size(), "never dropped");
        return out.get(0);
    }

    private String geoYaml() {
        return "{type: geoip, field: remote_addr, databases: ['" + city + "', '" + asn + "']}";
    }

    @Test
    void geoipGivesCountryCityLocationAndAsn() throws Exception {
        Processor p = build(geoYaml());
        LogEvent e = run(p, Map.of("remote_addr", "81.2.69.142"));
        assertEquals(Map.of("country", "GB", "country_name", "United Kingdom", "city", "London",
                "location", Map.of("lat", 51.5142, "lon", -0.0931), "asn", 20712L, "as_org", "Andrews & Arnold Ltd"), e.fields().get("geo"), e.tags().toString());
        assertTrue(e.tags().isEmpty());
        LogEvent v6 = run(p, Map.of("remote_addr", "2a02:8100:1:2::7"));
        assertEquals("Berlin", ((Map<?, ?>) v6.fields().get("geo")).get("city"));
        assertNull(((Map<?, ?>) v6.fields().get("geo")).get("asn"), "no ASN for it: none given");
        LogEvent countryOnly = run(p, Map.of("remote_addr", "89.160.20.112"));
        assertEquals(Map.of("country", "SE", "country_name", "Sweden"), countryOnly.fields().get("geo"));
        LogEvent cached = run(p, Map.of("remote_addr", "81.2.69.142"));
        assertEquals("London", ((Map<?, ?>) cached.fields().get("geo")).get("city"));
    }

    @Test
    void privateInvalidAndUnknownAddressesAreTaggedNotDropped() throws Exception {
        Processor p = build(geoYaml());
        for (String a : List.of("10.1.2.3", "192.168.0.10", "172.20.0.1", "127.0.0.1", "::1", "fd12:3456::1", "fe80::1", "100.64.0.9")) {
            LogEvent e = run(p, Map.of("remote_addr", a));
            assertEquals(List.of("_geoip_private"), e.tags(), a);
            assertNull(e.fields().get("geo"), a);
        }
        for (String a : List.of("-", "999.1.2.3", "example.com", "1.2.3", "2a02:zz::1", "")) {
            assertEquals(List.of("_geoip_invalid"), run(p, Map.of("remote_addr", a)).tags(), a);
        }
        assertEquals(List.of("_geoip_not_found"), run(p, Map.of("remote_addr", "8.8.8.8")).tags());
        assertTrue(run(p, Map.of("other", "x")).tags().isEmpty(), "a missing field is left alone");
    }

    @Test
    void aDatabaseThatCannotBeReadIsAConfigurationError() throws Exception {
        Path junk = dir.resolve("junk.mmdb");
        Files.writeString(junk, "not a database");
        ConfigException e = assertThrows(ConfigException.class,
                () -> build("{type: geoip, databases: ['" + junk + "', '" + dir.resolve("missing.mmdb") + "']}"));
        assertTrue(e.getMessage().contains("processors[0].databases") && e.getMessage().contains("junk.mmdb"), e.getMessage());
    }

    @Test
    void userAgentGivesBrowserVersionOsAndDevice() throws Exception {
        Processor p = build("{type: user-agent}");
        LogEvent f = run(p, Map.of("http_user_agent", FIREFOX));
        assertEquals(Map.of("browser", "Firefox", "browser_version", "133.0", "os", "Linux", "device", "Other"), f.fields().get("user_agent"));
        assertTrue(f.tags().isEmpty());
        LogEvent i = run(build("{type: user-agent, field: agent, target: client.ua, cache-size: 0}"), Map.of("agent", IPHONE));
        Map<?, ?> ua = (Map<?, ?>) ((Map<?, ?>) i.fields().get("client")).get("ua");
        assertEquals("Mobile Safari", ua.get("browser"));
        assertEquals("iOS", ua.get("os"));
        assertEquals("17.5", ua.get("os_version"));
        assertEquals("iPhone", ua.get("device"));
        LogEvent curl = run(p, Map.of("http_user_agent", "curl/8.5.0"));
        assertEquals("curl", ((Map<?, ?>) curl.fields().get("user_agent")).get("browser"));
        LogEvent unknown = run(p, Map.of("http_user_agent", "-"));
        assertEquals(List.of("_user_agent_unknown"), unknown.tags());
    }
}
