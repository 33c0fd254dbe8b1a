package io.polybus.nats.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The reply subjects of NATS 2.9 and of servers with domains read the same. */
class AckSubjectTest {
    @Test
    void readsTheDeliveryCountSequenceAndTimeOfBothFormats() {
        assertEquals(new AckSubject(3, 42, 1796592065130222087L),
                AckSubject.parse("$JS.ACK.orders~2Edlq.billing.3.42.40.1796592065130222087.7"));
        assertEquals(new AckSubject(1, 5, 1796592065130222087L),
                AckSubject.parse("$JS.ACK.orders.billing.1.5.5.1796592065130222087"));
        assertEquals(new AckSubject(2, 9, 1796592065130222087L),
                AckSubject.parse("$JS.ACK.hub.ACCHASH.orders.billing.2.9.8.1796592065130222087.0.rnd"));
    }

    @Test
    void refusesOtherSubjects() {
        assertThrows(IllegalArgumentException.class, () -> AckSubject.parse("_INBOX.abc"));
        assertThrows(IllegalArgumentException.class, () -> AckSubject.parse("$JS.ACK.orders.billing.1"));
    }
}
