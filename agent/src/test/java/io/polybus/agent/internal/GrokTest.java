package io.polybus.agent.internal;

import io.polybus.ConfigException;
import io.polybus.events.MutableEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.polybus.agent.internal.ParsingProcessorsTest.APACHE;
import static io.polybus.agent.internal.ParsingProcessorsTest.JAVA;
import static io.polybus.agent.internal.ParsingProcessorsTest.NGINX;
import static io.polybus.agent.internal.ParsingProcessorsTest.SYSLOG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code grok} with the built-in patterns on real nginx, Apache, syslog and Java log lines. */
class GrokTest {
    private static MutableEvent one(String yaml, String line) throws Exception {
        List<MutableEvent> out = ParsingProcessorsTest.run(List.of(yaml), line);
        assertEquals(1, out.size());
        return out.get(0);
    }

    @Test
    void combinedApacheLogReadsNginxAndApacheLines() throws Exception {
        MutableEvent n = one("{type: grok, patterns: ['%{NGINXACCESS}']}", NGINX);
        assertEquals("203.0.113.9", n.fields().get("clientip"));
        assertEquals("alice", n.fields().get("auth"));
        assertEquals("06/Dec/2026:23:59:58 +0100", n.fields().get("timestamp"));
        assertEquals("GET", n.fields().get("verb"));
        assertEquals("/api/v1/items?id=7", n.fields().get("request"));
        assertEquals("1.1", n.fields().get("httpversion"));
        assertEquals(200L, n.fields().get("response"));
        assertEquals(5120L, n.fields().get("bytes"));
        assertEquals("\"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0\"", n.fields().get("agent"));
        assertTrue(n.tags().isEmpty());
        MutableEvent a = one("{type: grok, patterns: ['%{COMBINEDAPACHELOG}']}", APACHE);
        assertEquals(302L, a.fields().get("response"));
        assertEquals(null, a.fields().get("bytes"));
        assertEquals("POST", a.fields().get("verb"));
        MutableEvent v6 = one("{type: grok, patterns: ['%{COMMONAPACHELOG}']}",
                "2001:db8::17 - - [07/Dec/2026:00:01:02 +0000] \"GET / HTTP/2.0\" 200 12");
        assertEquals("2001:db8::17", v6.fields().get("clientip"));
    }

    @Test
    void errorLogsOfApacheAndNginx() throws Exception {
        MutableEvent a = one("{type: grok, patterns: ['%{HTTPD_ERRORLOG}']}",
                "[Mon Dec 07 00:02:03.456789 2026] [proxy_fcgi:error] [pid 1234:tid 140] [client 198.51.100.4:52044] AH01071: Got error 'Primary script unknown'");
        assertEquals("proxy_fcgi", a.fields().get("module"));
        assertEquals("error", a.fields().get("loglevel"));
        assertEquals("198.51.100.4", a.fields().get("clientip"));
        assertEquals("AH01071", a.fields().get("errorcode"));
        assertEquals("Got error 'Primary script unknown'", a.fields().get("error_message"));
        MutableEvent n = one("{type: grok, patterns: ['%{NGINXERROR}']}",
                "2026/12/07 00:03:04 [error] 811#811: *1203 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.8");
        assertEquals("error", n.fields().get("loglevel"));
        assertEquals("1203", n.fields().get("connection"));
        assertTrue(((String) n.fields().get("error_message")).startsWith("connect() failed"));
    }

    @Test
    void syslogInBothFormats() throws Exception {
        MutableEvent s = one("{type: grok, patterns: ['%{SYSLOGLINE}']}", SYSLOG);
        assertEquals("Dec  7 00:05:11", s.fields().get("timestamp"));
        assertEquals("web-1", s.fields().get("logsource"));
        assertEquals("sshd", s.fields().get("program"));
        assertEquals("4012", s.fields().get("pid"));
        assertEquals("Accepted publickey for deploy from 10.0.0.7 port 51514 ssh2", s.fields().get("syslog_message"));
        MutableEvent r = one("{type: grok, patterns: ['%{SYSLOG5424LINE}']}",
                "<165>1 2026-12-07T00:05:12.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] An application event");
        assertEquals("165", r.fields().get("syslog5424_pri"));
        assertEquals("mymachine.example.com", r.fields().get("syslog5424_host"));
        assertEquals("ID47", r.fields().get("syslog5424_msgid"));
        assertEquals("[exampleSDID@32473 iut=\"3\" eventSource=\"Application\"]", r.fields().get("syslog5424_sd"));
        assertEquals("An application event", r.fields().get("syslog5424_msg"));
    }

    @Test
    void javaLayoutsAndStackFrames() throws Exception {
        String yaml = "{type: grok, patterns: ['%{SPRINGBOOT}', '%{LOG4J}', '%{LOGBACK}', '%{JAVASTACKTRACEPART}', '%{JAVAEXCEPTION}']}";
        MutableEvent l = one(yaml, JAVA);
        assertEquals("ERROR", l.fields().get("level"));
        assertEquals("http-nio-8080-exec-4", l.fields().get("thread"));
        assertEquals("com.example.OrderService", l.fields().get("logger"));
        assertEquals("order 42 failed", l.fields().get("log_message"));
        MutableEvent b = one(yaml, "00:06:31.004 [main] WARN  o.s.b.StartupInfoLogger - slow start");
        assertEquals("WARN", b.fields().get("level"));
        assertEquals("slow start", b.fields().get("log_message"));
        MutableEvent sb = one(yaml, "2026-12-07T00:06:32.010Z  INFO 4242 --- [shop] [           main] c.e.shop.ShopApplication                 : Started ShopApplication in 2.3 seconds");
        assertEquals("4242", sb.fields().get("pid"));
        assertEquals("shop", sb.fields().get("application"));
        assertEquals("main", sb.fields().get("thread"));
        assertEquals("Started ShopApplication in 2.3 seconds", sb.fields().get("log_message"));
        MutableEvent f = one(yaml, "\tat com.example.OrderService.place(OrderService.java:88)");
        assertEquals(Map.of("class", "com.example.OrderService", "method", "place", "file", "OrderService.java", "line", 88L), f.fields());
        MutableEvent x = one(yaml, "Caused by: java.net.SocketTimeoutException: Read timed out");
        assertEquals("java.net.SocketTimeoutException", x.fields().get("exception_class"));
    }

    @Test
    void ownDefinitionsTargetAndTaggedFailures() throws Exception {
        MutableEvent e = one("{type: grok, target: order, pattern-definitions: {ORDER: 'ord-[0-9]+'}, "
                + "patterns: ['%{ORDER:id} total=%{NUMBER:total:float} by %{EMAILADDRESS:who}']}",
                "placed ord-991 total=12.50 by bob@example.com");
        assertEquals(Map.of("id", "ord-991", "total", 12.5, "who", "bob@example.com"), e.fields().get("order"));
        MutableEvent f = one("{type: grok, patterns: ['%{COMBINEDAPACHELOG}']}", SYSLOG);
        assertEquals(List.of("_grok_parse_failure"), f.tags());
        assertEquals(SYSLOG, f.message());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ProcessorsTest.build("{type: grok, patterns: ['%{IP:a}', '%{NOPE:b}']}"));
        assertTrue(unknown.getMessage().contains("processors[0].patterns[1]") && unknown.getMessage().contains("unknown pattern %{NOPE}"),
                unknown.getMessage());
        ConfigException loop = assertThrows(ConfigException.class,
                () -> ProcessorsTest.build("{type: grok, pattern-definitions: {A: '%{B}', B: '%{A}'}, patterns: ['%{A}']}"));
        assertTrue(loop.getMessage().contains("loop"), loop.getMessage());
    }
}
