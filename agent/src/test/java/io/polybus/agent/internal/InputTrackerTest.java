package io.polybus.agent.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputTrackerTest {
    @Test
    void theCheckpointNeverPassesAnEventOfAnUnacknowledgedPack() {
        InputTracker tracker = new InputTracker(0, 2);
        InputTracker.Group pack = new InputTracker.Group();
        InputTracker.Batch first = tracker.current();
        pack.add(first);
        tracker.record(first, 10);
        pack.add(first);
        tracker.record(first, 20);
        InputTracker.Batch second = tracker.current();
        pack.add(second);
        tracker.record(second, 30);
        tracker.seal();
        assertEquals(0, tracker.ackedOffset(), "both batches are sealed, but their events are still in a pack");

        pack.hold();
        pack.release();
        assertEquals(0, tracker.ackedOffset(), "the pack was sent, not acknowledged");
        InputTracker.Batch after = tracker.current();
        tracker.record(after, 40);
        tracker.seal();
        assertEquals(0, tracker.ackedOffset(), "a later batch done does not move the checkpoint past the pack");

        pack.release();
        assertEquals(40, tracker.ackedOffset(), "acknowledged: every batch of the pack, and the one after, are done");
        assertTrue(tracker.idle());
    }
}
