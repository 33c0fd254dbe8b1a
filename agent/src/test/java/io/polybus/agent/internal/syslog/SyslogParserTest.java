package io.polybus.agent.internal.syslog;

import io.polybus.events.LogEvent;
import io.polybus.events.MutableEvent;
import io.polybus.events.Origin;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyslogParserTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final long RECEIVED = 1_000L;

    private final AtomicInteger failures = new AtomicInteger();
    private Clock clock = Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), PARIS);

    private MutableEvent parse(String line, String... tags) {
        MutableEvent event = new MutableEvent("agent-host", "syslog", "sys", StandardCharsets.UTF_8);
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        event.reset(bytes, 0, bytes.length, RECEIVED, Origin.peer("127.0.0.1:5000"), 0);
        for (String t : tags) {
            event.tag(t);
        }
        MutableEvent[] out = new MutableEvent[1];
        new SyslogParser(clock, failures::incrementAndGet).process(event, e -> out[0] = (MutableEvent) e);
        return out[0];
    }

    private static long millis(String offsetDateTime) {
        return OffsetDateTime.parse(offsetDateTime).toInstant().toEpochMilli();
    }

    @Test
    void parsesRfc5424WithStructuredDataAndABom() {
        LogEvent e = parse("<165>1 2026-11-21T10:00:00.123+02:00 web-1.example.com evntslog 1234 ID47 "
                + "[exampleSDID@32473 iut=\"3\" eventSource=\"App \\\"x\\\" \\] \\\\\"][origin ip=\"10.0.0.1\"] \uFEFFAn application event");
        assertEquals("An application event", e.message());
        assertEquals(millis("2026-11-21T10:00:00.123+02:00"), e.timestampMillis());
        Map<String, Object> f = e.fields();
        assertEquals("local4", f.get("facility"));
        assertEquals(20, f.get("facility_code"));
        assertEquals("notice", f.get("severity"));
        assertEquals(5, f.get("severity_code"));
        assertEquals("web-1.example.com", f.get("hostname"));
        assertEquals("evntslog", f.get("app_name"));
        assertEquals("1234", f.get("procid"));
        assertEquals("ID47", f.get("msgid"));
        assertEquals(Map.of("exampleSDID@32473", Map.of("iut", "3", "eventSource", "App \"x\" ] \\"),
                "origin", Map.of("ip", "10.0.0.1")), f.get("structured_data"));
        assertTrue(e.tags().isEmpty());
        assertEquals(0, failures.get());
    }

    @Test
    void leavesOutNilValuesAndKeepsTheReceiveTimeWithoutATimestamp() {
        LogEvent e = parse("<14>1 - - app - - - just the message");
        assertEquals("just the message", e.message());
        assertEquals(RECEIVED, e.timestampMillis());
        assertEquals(Map.of("facility", "user", "facility_code", 1, "severity", "info", "severity_code", 6,
                "app_name", "app"), e.fields());
        assertEquals("", parse("<14>1 - - - - - -").message());
    }

    @Test
    void parsesRfc3164InTheAgentsZoneAndThisYear() {
        LogEvent e = parse("<34>Nov  2 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8");
        assertEquals("'su root' failed for lonvick on /dev/pts/8", e.message());
        assertEquals(millis("2026-11-02T22:14:15+01:00"), e.timestampMillis());
        assertEquals(Map.of("facility", "auth", "facility_code", 4, "severity", "crit", "severity_code", 2,
                "hostname", "mymachine", "app_name", "su", "procid", "230"), e.fields());
    }

    @Test
    void parsesWhatNginxAndRsyslogSend() {
        LogEvent nginx = parse("<190>Nov 21 10:00:00 web-1 nginx: {\"status\":502}");
        assertEquals("{\"status\":502}", nginx.message());
        assertEquals("nginx", nginx.fields().get("app_name"));
        assertEquals("local7", nginx.fields().get("facility"));
        LogEvent noHost = parse("<13>Nov 21 10:00:00 postfix/smtpd[99]: connect from x");
        assertEquals("postfix/smtpd", noHost.fields().get("app_name"));
        assertFalse(noHost.fields().containsKey("hostname"));
        assertEquals("connect from x", noHost.message());
        LogEvent noTag = parse("<13>Nov 21 10:00:00 host a message without a tag");
        assertEquals("a message without a tag", noTag.message());
        assertFalse(noTag.fields().containsKey("app_name"));
        LogEvent precise = parse("<13>2026-11-21T10:00:00.5Z host app: precise");
        assertEquals(millis("2026-11-21T10:00:00.5Z"), precise.timestampMillis());
        assertEquals("precise", precise.message());
        LogEvent bare = parse("<13>no header at all");
        assertEquals("no header at all", bare.message());
        assertEquals(RECEIVED, bare.timestampMillis());
        assertEquals(0, failures.get());
    }

    @Test
    void anRfc3164TimestampAcrossNewYearGetsTheNearestYear() {
        clock = Clock.fixed(Instant.parse("2026-12-31T23:00:30Z"), PARIS);   // 00:00:30 on 1 January 2027 in Paris
        assertEquals(millis("2026-12-31T23:59:50+01:00"), parse("<13>Dec 31 23:59:50 h app: late").timestampMillis());
        clock = Clock.fixed(Instant.parse("2026-12-31T22:59:55Z"), PARIS);   // 23:59:55 on 31 December 2026 in Paris
        assertEquals(millis("2027-01-01T00:00:05+01:00"), parse("<13>Jan  1 00:00:05 h app: early").timestampMillis());
    }

    @Test
    void keepsAMalformedMessageWholeTaggedAndCounted() {
        for (String bad : List.of("no priority here", "<192>too high", "<013>leading zero", "<13>1 not-a-time h a p m - x",
                "<13>1 2026-11-21T10:00:00Z h a p m [unclosed x=\"1\"", "<13>1 short")) {
            LogEvent e = parse(bad);
            assertEquals(bad, e.message());
            assertEquals(RECEIVED, e.timestampMillis(), bad);
            assertTrue(e.fields().isEmpty(), bad);
            assertTrue(e.hasTag("_syslog_parse_failure"), bad);
        }
        assertEquals(6, failures.get());
    }

    @Test
    void theRestOfASplitMessageIsNotAParseFailure() {
        LogEvent rest = parse("the second half of a long message", "_split");
        assertFalse(rest.hasTag("_syslog_parse_failure"));
        assertEquals(0, failures.get());
    }
}
