package io.polybus.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyslogSourceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;
    AgentFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    /** A port nothing listens on right now, for the agent to bind. */
    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    /** A syslog source on 127.0.0.1:{@code port}, keyed by its name so the memory broker keeps the order. */
    private void start(String protocol, int port, String extra) {
        fx = new AgentFixture(dir);
        fx.start(fx.yaml("  - name: sys\n    type: syslog\n    protocol: " + protocol + "\n    listen: 127.0.0.1:" + port
                + "\n    key: '{source.name}'\n" + extra));
    }

    private void awaitEvents(int n) {
        await().atMost(WAIT).until(() -> fx.events.size() >= n);
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String frame(String message) {
        return message.getBytes(StandardCharsets.UTF_8).length + " " + message;
    }

    @Test
    void udpRfc5424AndRfc3164MessagesBecomeEventsWithTheirFields() throws IOException {
        int port = freeUdpPort();
        start("udp", port, "");
        try (DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
            for (String m : List.of(
                    "<165>1 2026-11-21T10:00:00.123Z web-1 app 42 ID7 [meta@1 region=\"eu\"] hello 5424\n",
                    "<34>Nov  2 22:14:15 mymachine su[230]: hello 3164")) {
                byte[] b = m.getBytes(StandardCharsets.UTF_8);
                client.send(new DatagramPacket(b, b.length, LOOPBACK, port));
            }
            awaitEvents(2);
            JsonNode e5424 = fx.snapshot().get(0);
            assertEquals("hello 5424", e5424.get("message").asText());
            assertEquals("2026-11-21T10:00:00.123Z", e5424.get("timestamp").asText());
            assertEquals("local4", e5424.at("/fields/facility").asText());
            assertEquals(20, e5424.at("/fields/facility_code").asInt());
            assertEquals("notice", e5424.at("/fields/severity").asText());
            assertEquals(5, e5424.at("/fields/severity_code").asInt());
            assertEquals("web-1", e5424.at("/fields/hostname").asText());
            assertEquals("app", e5424.at("/fields/app_name").asText());
            assertEquals("42", e5424.at("/fields/procid").asText());
            assertEquals("ID7", e5424.at("/fields/msgid").asText());
            assertEquals("eu", e5424.at("/fields/structured_data/meta@1/region").asText());
            assertEquals("syslog", e5424.at("/source/type").asText());
            assertEquals("sys", e5424.at("/source/name").asText());
            assertEquals("127.0.0.1:" + client.getLocalPort(), e5424.at("/source/peer").asText());
            assertTrue(e5424.at("/source/offset").isMissingNode(), e5424.toString());
            assertTrue(e5424.at("/source/path").isMissingNode(), e5424.toString());
            assertFalse(e5424.has("tags"), e5424.toString());

            JsonNode e3164 = fx.snapshot().get(1);
            assertEquals("hello 3164", e3164.get("message").asText());
            assertEquals("auth", e3164.at("/fields/facility").asText());
            assertEquals("crit", e3164.at("/fields/severity").asText());
            assertEquals("mymachine", e3164.at("/fields/hostname").asText());
            assertEquals("su", e3164.at("/fields/app_name").asText());
            assertEquals("230", e3164.at("/fields/procid").asText());
            OffsetDateTime ts = OffsetDateTime.parse(e3164.get("timestamp").asText());
            assertEquals(2, ts.atZoneSameInstant(java.time.ZoneId.systemDefault()).getDayOfMonth());
            assertEquals(22, ts.atZoneSameInstant(java.time.ZoneId.systemDefault()).getHour());
        }
        assertEquals(2, fx.counter("events.read", "source", "sys"));
    }

    @Test
    void tcpOctetCountingWithSeveralFramesPerWriteAndOneSplitOverTwoWrites() throws IOException {
        int port = freeTcpPort();
        start("tcp", port, "");
        String third = "<13>1 - h app - - - third, with\na newline and é";
        try (Socket client = new Socket(LOOPBACK, port)) {
            String firstWrite = frame("<13>1 - h app - - - first") + frame("<13>1 - h app - - - second")
                    + frame(third).substring(0, 20);
            write(client, firstWrite);
            awaitEvents(2);
            write(client, frame(third).substring(20) + frame("<13>1 - h app - - - fourth"));
            awaitEvents(4);
        }
        assertEquals(List.of("first", "second", "third, with\na newline and é", "fourth"), fx.messages());
        assertTrue(fx.snapshot().stream().noneMatch(e -> e.has("tags")), fx.snapshot().toString());
        await().atMost(WAIT).until(() -> fx.gauge("connections.open", "source", "sys") == 0.0);
        assertEquals(1, fx.counter("connections.accepted", "source", "sys"));
    }

    @Test
    void tcpNewlineFramingWithSeveralMessagesPerWriteAndOneSplitOverTwoWrites() throws IOException {
        int port = freeTcpPort();
        start("tcp", port, "    framing: newline\n");
        try (Socket client = new Socket(LOOPBACK, port)) {
            write(client, "<13>Nov 21 10:00:00 h app: one\n<13>Nov 21 10:00:01 h app: two\r\n<13>Nov 21 10:00:02 h a");
            awaitEvents(2);
            write(client, "pp: three\n<13>Nov 21 10:00:03 h app: four without a newline at the end");
        }
        awaitEvents(4);
        assertEquals(List.of("one", "two", "three", "four without a newline at the end"), fx.messages());
        assertEquals("app", fx.snapshot().get(2).at("/fields/app_name").asText());
    }

    @Test
    void autoFramingDecidesPerConnectionAndFallsBackFromABadLength() throws IOException {
        int port = freeTcpPort();
        start("tcp", port, "");
        try (Socket counted = new Socket(LOOPBACK, port); Socket lines = new Socket(LOOPBACK, port)) {
            write(counted, frame("<13>1 - h app - - - counted"));
            awaitEvents(1);
            write(lines, "<13>1 - h app - - - by line\n");
            awaitEvents(2);
            write(counted, "12x <13>1 - h app - - - after a bad length\n");
            awaitEvents(3);
        }
        assertEquals(List.of("counted", "by line", "12x <13>1 - h app - - - after a bad length"), fx.messages());
        assertEquals(1, fx.counter("frames.invalid", "source", "sys"));
        assertTrue(fx.snapshot().get(2).get("tags").toString().contains("_syslog_parse_failure"));
    }

    @Test
    void aMalformedMessageIsKeptWholeTaggedAndCounted() throws IOException {
        int port = freeUdpPort();
        start("udp", port, "");
        try (DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
            byte[] b = "not syslog at all".getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(b, b.length, LOOPBACK, port));
        }
        awaitEvents(1);
        JsonNode e = fx.snapshot().get(0);
        assertEquals("not syslog at all", e.get("message").asText());
        assertEquals("[\"_syslog_parse_failure\"]", e.get("tags").toString());
        assertFalse(e.has("fields"), e.toString());
        assertEquals(1, fx.counter("events.unparsed", "source", "sys"));
    }

    @Test
    void anOversizedOctetCountedFrameIsTruncatedAndTheNextOneStillArrives() throws IOException {
        int port = freeTcpPort();
        start("tcp", port, "    max-event-bytes: 100\n    oversize: truncate\n");
        String big = "<13>1 - h app - - - " + "x".repeat(5000);
        try (Socket client = new Socket(LOOPBACK, port)) {
            write(client, frame(big) + frame("<13>1 - h app - - - next"));
            awaitEvents(2);
        }
        JsonNode first = fx.snapshot().get(0);
        assertEquals("x".repeat(80), first.get("message").asText());
        assertEquals("[\"_truncated\"]", first.get("tags").toString());
        assertEquals("next", fx.messages().get(1));
        assertEquals(1, fx.counter("events.truncated", "source", "sys"));
    }

    @Test
    void anOversizedDatagramIsSplitIntoMarkedChunks() throws IOException {
        int port = freeUdpPort();
        start("udp", port, "    max-event-bytes: 1000\n");
        String body = "0123456789".repeat(250);
        try (DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
            byte[] b = ("<13>1 - h app - - - " + body).getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(b, b.length, LOOPBACK, port));
        }
        awaitEvents(3);
        List<JsonNode> events = fx.snapshot();
        assertEquals(3, events.size());
        StringBuilder joined = new StringBuilder();
        for (JsonNode e : events) {
            assertEquals("[\"_split\"]", e.get("tags").toString(), e.toString());
            joined.append(e.get("message").asText());
        }
        assertEquals(body, joined.toString());
        assertEquals("app", events.get(0).at("/fields/app_name").asText());
        assertEquals(3, fx.counter("events.split", "source", "sys"));
        assertEquals(0, fx.counter("events.unparsed", "source", "sys"));
    }

    @Test
    void connectionsOverMaxConnectionsAreRefusedAndCounted() throws IOException {
        int port = freeTcpPort();
        start("tcp", port, "    max-connections: 1\n");
        try (Socket first = new Socket(LOOPBACK, port)) {
            write(first, "<13>1 - h app - - - from the first\n");
            awaitEvents(1);
            try (Socket second = new Socket(LOOPBACK, port)) {
                second.setSoTimeout((int) WAIT.toMillis());
                InputStream in = second.getInputStream();
                assertEquals(-1, readOrReset(in), "the agent closes a connection over max-connections");
            }
            await().atMost(WAIT).until(() -> fx.counter("connections.refused", "source", "sys") == 1.0);
            write(first, "<13>1 - h app - - - the first still works\n");
            awaitEvents(2);
        }
        await().atMost(WAIT).until(() -> fx.gauge("connections.open", "source", "sys") == 0.0);
        try (Socket third = new Socket(LOOPBACK, port)) {
            write(third, "<13>1 - h app - - - room again\n");
            awaitEvents(3);
        }
        assertEquals(List.of("from the first", "the first still works", "room again"), fx.messages());
        assertEquals(2, fx.counter("connections.accepted", "source", "sys"));
    }

    /** -1 at the end of the stream, also when it ended with a reset. */
    private static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketException reset) {
            return -1;
        }
    }

    @Test
    void stopsCleanlyWhileATcpClientIsConnectedAndSendsWhatItRead() throws IOException {
        int port = freeTcpPort();
        start("tcp", port, "    framing: newline\n");
        try (Socket client = new Socket(LOOPBACK, port)) {
            write(client, "<13>1 - h app - - - complete\n<13>1 - h app - - - held back");
            awaitEvents(1);
            client.setSoTimeout((int) WAIT.toMillis());
            assertTimeoutPreemptively(WAIT, () -> assertTrue(fx.agent.stop(), "everything read was acknowledged"));
            assertEquals(-1, readOrReset(client.getInputStream()), "the agent closed the connection");
        }
        awaitEvents(2);
        assertEquals(List.of("complete", "held back"), fx.messages());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("polybus-source-sys")),
                "the source's thread ended");
        assertThrows(IOException.class, () -> new Socket(LOOPBACK, port).close(), "nothing listens any more");
    }

    @Test
    void aPortInUseIsAStartUpErrorNamingTheSourceAndTheAddress() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
            fx = new AgentFixture(dir);
            String yaml = fx.yaml("  - name: busy\n    type: syslog\n    protocol: tcp\n    listen: 127.0.0.1:"
                    + taken.getLocalPort() + "\n");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> fx.start(yaml));
            assertTrue(e.getMessage().startsWith("source 'busy': cannot listen for syslog on tcp 127.0.0.1:"
                    + taken.getLocalPort() + ": "), e.getMessage());
        }
    }
}
