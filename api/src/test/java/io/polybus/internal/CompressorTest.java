package io.polybus.internal;

import io.polybus.Compression;
import io.polybus.Message;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressorTest {
    private static final byte[] LOG = ("{\"timestamp\":\"2026-12-01T10:00:00Z\",\"host\":\"web-1\",\"message\":\"GET /api/orders 200\"}\n")
            .repeat(200).getBytes(StandardCharsets.UTF_8);

    @Test
    void everyCodecRoundTripsAndShrinksLogs() {
        byte[] random = new byte[10_000];
        new Random(7).nextBytes(random);
        for (Compression c : Compression.values()) {
            for (byte[] payload : new byte[][] {LOG, random, new byte[0]}) {
                Message sent = Message.builder("t").payload(payload).header("h", "v").build();
                Message wire = c == Compression.NONE ? sent : Compressor.compressed(sent, c);
                Message got = Compressor.decompressed(wire);
                assertArrayEquals(payload, got.payload(), c + " round trip");
                assertEquals("v", got.header("h"));
                assertEquals(sent.id(), got.id());
                assertNull(got.header(Compression.HEADER));
            }
            if (c != Compression.NONE) {
                Message wire = Compressor.compressed(Message.builder("t").payload(LOG).build(), c);
                assertEquals(c.configName(), wire.header(Compression.HEADER));
                assertTrue(wire.payloadSize() * 10 < LOG.length, c + " compresses log lines: " + wire.payloadSize());
            }
        }
    }

    @Test
    void aMessageWithoutTheHeaderIsLeftAlone() {
        Message m = Message.builder("t").payload("plain").build();
        assertSame(m, Compressor.decompressed(m));
    }

    @Test
    void aPayloadThatDoesNotDecompressNamesTheCause() {
        for (String codec : new String[] {"zstd", "gzip", "lz4"}) {
            Message broken = Message.builder("t").payload("not compressed").header(Compression.HEADER, codec).build();
            assertThrows(IllegalArgumentException.class, () -> Compressor.decompressed(broken), codec);
        }
        Message unknown = Message.builder("t").payload("x").header(Compression.HEADER, "brotli").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Compressor.decompressed(unknown));
        assertTrue(e.getMessage().contains("brotli") && e.getMessage().contains("zstd"), e.getMessage());
    }
}
