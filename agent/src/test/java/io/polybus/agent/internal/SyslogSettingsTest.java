package io.polybus.agent.internal;

import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyslogSettingsTest {

    @Test
    void defaultsToUdpOnTheLoopbackWithSmallerEvents() {
        Settings s = Settings.parse("sources: [{type: syslog}, {type: syslog, protocol: tcp, listen: '[::1]:0', "
                + "max-connections: 5, framing: octet-counting, oversize: truncate, topic: 'syslog-{app_name}'}]\n", Map.<String, String>of()::get);
        Settings.Source udp = s.sources().get(0);
        assertEquals("syslog-0", udp.name());
        assertEquals(new Settings.Syslog("udp", new InetSocketAddress("127.0.0.1", 5514), 100, "auto"), udp.syslog());
        assertEquals(64 << 10, udp.maxEventBytes());
        Settings.Source tcp = s.sources().get(1);
        assertEquals(new Settings.Syslog("tcp", new InetSocketAddress("::1", 0), 5, "octet-counting"), tcp.syslog());
        assertTrue(tcp.truncate());
        assertNull(Settings.parse("sources: [{type: stdin}]\n", Map.<String, String>of()::get).sources().get(0).syslog());
    }

    @Test
    void namesEveryBadKeyWithItsPath() {
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.parse("""
                sources:
                  - {type: syslog, protocol: sctp, listen: 'localhost', paths: [/var/log/x]}
                  - {type: syslog, listen: '127.0.0.1:70000', framing: octet-counting, max-connections: 3}
                  - {type: syslog, protocol: tcp, listen: ':514', framing: lines, max-connections: 0, multiline: {start: x}}
                  - {type: syslog, protocol: tcp, listen: 'no-such-host.invalid:514', max-event-bytes: 1}
                  - {type: file, paths: [x], listen: '127.0.0.1:514'}
                """, Map.<String, String>of()::get));
        String all = String.join("\n", e.problems().stream().map(ConfigException.Problem::toString).toList());
        for (String expected : List.of(
                "sources[0].protocol: 'sctp' is not valid; expected one of udp, tcp",
                "sources[0].listen: 'localhost' is not valid; expected host:port",
                "sources[0].paths: unknown key; known keys here: type, name, encoding, max-event-bytes, oversize, protocol, listen",
                "sources[1].listen: '127.0.0.1:70000' is not valid",
                "sources[1].framing: used with protocol: tcp only",
                "sources[1].max-connections: used with protocol: tcp only",
                "sources[2].listen: ':514' is not valid",
                "sources[2].framing: 'lines' is not valid; expected one of auto, octet-counting, newline",
                "sources[2].max-connections: '0' is not valid; expected a whole number from 1 to 100000",
                "sources[2].multiline: unknown key",
                "sources[3].listen: 'no-such-host.invalid:514' is not valid",
                "sources[3].max-event-bytes: '1' is not valid",
                "sources[4].listen: unknown key")) {
            assertTrue(all.contains(expected), "missing <" + expected + "> in:\n" + all);
        }
    }
}
