package io.polybus.bench.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SequenceCheckerTest {

    private static Stamp stamp(int producer, long sequence, int key) {
        return new Stamp(producer, sequence, key, 0, 0);
    }

    @Test
    void countsLostDuplicatedAndReorderedPerGroup() {
        SequenceChecker checker = new SequenceChecker(2, 1, 2);
        checker.sent(0, 5);
        for (long seq : new long[] {0, 1, 2, 3, 4}) {
            checker.received(0, stamp(0, seq, (int) (seq % 2)));
        }
        checker.received(1, stamp(0, 2, 0));
        checker.received(1, stamp(0, 0, 0));
        checker.received(1, stamp(0, 2, 0));
        checker.received(1, stamp(0, 1, 1));

        assertEquals(10, checker.expected());
        assertEquals(8, checker.distinctReceived());
        assertEquals(2, checker.lost(), "group 1 never got 3 and 4");
        assertEquals(1, checker.duplicated(), "group 1 got 2 twice");
        assertEquals(1, checker.reordered(), "group 1 got 0 after 2, both with key 0");
    }

    @Test
    void keysAreOrderedIndependently() {
        SequenceChecker checker = new SequenceChecker(1, 1, 2);
        checker.sent(0, 2);
        checker.received(0, stamp(0, 1, 1));
        checker.received(0, stamp(0, 0, 0));

        assertEquals(0, checker.reordered());
        assertEquals(0, checker.lost());
    }

    @Test
    void failedSendsAreNotExpected() {
        SequenceChecker checker = new SequenceChecker(1, 2, 0);
        checker.sent(0, 3);
        checker.sent(1, 1);
        checker.failed(0, 1);
        checker.received(0, stamp(0, 0, 0));
        checker.received(0, stamp(0, 2, 0));
        checker.received(0, stamp(1, 0, 0));

        assertEquals(3, checker.expected());
        assertEquals(0, checker.lost());
        assertEquals(4, checker.sent());
        assertEquals(-1, checker.reordered(), "without keys there is no order to check");
    }
}
