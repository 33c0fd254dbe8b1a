package io.polybus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageTest {

    @Test
    void arraysAreCopiedInAndOut() {
        byte[] payload = {1, 2, 3};
        Message m = Message.builder("t").payload(payload).build();
        payload[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, m.payload());
        m.payload()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, m.payload());
    }

    @Test
    void idsAreUniqueAndKeptByToBuilder() {
        Message a = Message.builder("t").payload("x").header("h", "1").build();
        Message b = Message.builder("t").payload("x").build();
        assertNotEquals(a.id(), b.id());
        Message copy = a.toBuilder().header("h2", "2").build();
        assertEquals(a.id(), copy.id());
        assertEquals(Map.of("h", "1", "h2", "2"), copy.headers());
        assertEquals(Map.of("h", "1"), a.headers());
        assertThrows(UnsupportedOperationException.class, () -> a.headers().put("x", "y"));
    }

    @Test
    void aGeneratedIdIsTheSameForEveryThreadThatAsksFirst() throws Exception {
        for (int round = 0; round < 200; round++) {
            Message m = Message.builder("t").payload("x").build();
            CyclicBarrier start = new CyclicBarrier(4);
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> ids = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    ids.add(threads.submit(() -> {
                        start.await();
                        return m.id();
                    }));
                }
                for (Future<String> id : ids) {
                    assertEquals(m.id(), id.get(10, TimeUnit.SECONDS));
                }
            } finally {
                threads.shutdownNow();
            }
        }
        assertEquals("given", Message.builder("t").id("given").build().id());
        assertEquals("given", Message.builder("t").id("given").build().toBuilder().build().id());
    }

    @Test
    void onlyAnIdOrTimestampGivenToTheBuilderCountsAsGivenAndCopiesKeepWhichWasGiven() {
        Message plain = Message.builder("t").payload("x").build();
        assertFalse(plain.hasGivenId());
        assertFalse(plain.hasGivenTimestamp());
        Message copy = plain.toBuilder().header("h", "1").build();
        assertFalse(copy.hasGivenId(), "a copy of a message without an id has none given either");
        assertFalse(copy.hasGivenTimestamp());
        assertEquals(plain.id(), copy.id(), "but the same generated id, for brokers that carry it");
        assertEquals(plain.timestampMillis(), copy.timestampMillis());

        Message given = Message.builder("t").id("order-1").timestampMillis(1234).build();
        assertTrue(given.hasGivenId());
        assertTrue(given.hasGivenTimestamp());
        Message givenCopy = given.toBuilder().build();
        assertTrue(givenCopy.hasGivenId() && givenCopy.hasGivenTimestamp());
        assertEquals("order-1", givenCopy.id());
        assertEquals(1234, givenCopy.timestampMillis());
        assertTrue(plain.toBuilder().id("later").build().hasGivenId());
        assertEquals("later", plain.toBuilder().id("later").build().id());
    }

    @Test
    void codecsRoundTrip() {
        record Order(String id, int total) {
        }
        Message m = Message.builder("orders").payload(new Order("o-1", 12), Codecs.json(Order.class)).build();
        assertEquals(new Order("o-1", 12), m.payload(Codecs.json(Order.class)));
        assertEquals("{\"id\":\"o-1\",\"total\":12}", m.payload(Codecs.string()));
        assertThrows(SerializationException.class, () -> Message.builder("t").payload("nope").build()
                .payload(Codecs.json(Order.class)));
        assertNull(m.key());
    }

    @Test
    void blankTopicAndNullHeaderValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Message.builder(" "));
        assertThrows(NullPointerException.class, () -> Message.builder("t").header("h", null));
    }

    @Test
    void optionsRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> ConsumerOptions.builder("t", "g").prefetch(0).build());
        assertThrows(IllegalArgumentException.class, () -> ConsumerOptions.builder("t", "g").onHandlerError(Outcome.ACK).build());
        assertThrows(IllegalArgumentException.class, () -> ProducerOptions.builder().maxInFlightBytes(0).build());
        assertEquals("t.dlq", ConsumerOptions.of("t", "g").deadLetterTopic().orElseThrow());
    }
}
