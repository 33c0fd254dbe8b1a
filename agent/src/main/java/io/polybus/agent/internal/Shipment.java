package io.polybus.agent.internal;

import io.polybus.Message;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Messages of one source sent together with one {@link io.polybus.Producer#sendAll}, and what each of them holds:
 * its input batch (a single event) or its pack's group. A run of messages with the same hold holds it once, and
 * the shipment's acknowledgement releases each run once, so a batch of acknowledgements completes a batch of
 * checkpoints without a future or a hold per message. Filled by one source's thread, then handed to the
 * {@link Shipper}, which alone touches it afterwards.
 */
final class Shipment {
    private final List<Message> messages;
    private InputTracker.Hold[] holds;
    private int[] events;
    private long bytes;
    private int eventCount;

    Shipment(int expectedMessages) {
        int capacity = Math.max(16, expectedMessages);
        this.messages = new ArrayList<>(capacity);
        this.holds = new InputTracker.Hold[capacity];
        this.events = new int[capacity];
    }

    /** Adds {@code message}, made of {@code eventsInMessage} events, which holds {@code hold} until acknowledged. */
    void add(Message message, int eventsInMessage, InputTracker.Hold hold) {
        int i = messages.size();
        if (i == holds.length) {
            holds = Arrays.copyOf(holds, i * 2);
            events = Arrays.copyOf(events, i * 2);
        }
        if (i == 0 || holds[i - 1] != hold) {
            hold.hold();
        }
        messages.add(message);
        holds[i] = hold;
        events[i] = eventsInMessage;
        bytes += message.sizeInBytes();
        eventCount += eventsInMessage;
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    List<Message> messages() {
        return messages;
    }

    int size() {
        return messages.size();
    }

    Message message(int i) {
        return messages.get(i);
    }

    InputTracker.Hold hold(int i) {
        return holds[i];
    }

    int events(int i) {
        return events[i];
    }

    /** The messages' bytes ({@link Message#sizeInBytes()}), as the in-flight bound counts them. */
    long bytes() {
        return bytes;
    }

    int events() {
        return eventCount;
    }

    /** Releases each run of one hold once: the shipment was acknowledged (or its messages hold on their own now). */
    void releaseHolds() {
        InputTracker.Hold last = null;
        for (int i = 0; i < messages.size(); i++) {
            if (holds[i] != last) {
                last = holds[i];
                last.release();
            }
        }
    }
}
