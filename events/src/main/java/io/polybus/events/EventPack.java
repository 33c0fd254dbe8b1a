package io.polybus.events;

import io.polybus.Message;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several events in one message, the format {@code delivery.events-per-message} above 1 sends: the payload is
 * the events' JSON, each exactly what a single-event message would carry, one per line without a trailing
 * newline (NDJSON; an event's JSON never holds a raw newline), and the message has the headers
 * {@code content-type: application/x-ndjson} and {@code polybus-events: <count>}. A message without that
 * content type is one event, as before. Readers call {@link #events} on every message. The writing side (an
 * instance) is not thread-safe: one per source thread.
 */
public final class EventPack {
    public static final String CONTENT_TYPE_HEADER = "content-type";
    public static final String CONTENT_TYPE = "application/x-ndjson";
    public static final String COUNT_HEADER = "polybus-events";
    /** What the two headers add to {@link Message#sizeInBytes}, with room for any count. */
    public static final int HEADER_BYTES = CONTENT_TYPE_HEADER.length() + CONTENT_TYPE.length() + COUNT_HEADER.length() + 10;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] buf = new byte[16 * 1024];
    private int length;
    private int count;

    /** Events added since the last {@link #take}. */
    public int count() {
        return count;
    }

    /** The payload's size if an event of {@code bytes} were added. */
    public int lengthWith(int bytes) {
        return count == 0 ? bytes : length + 1 + bytes;
    }

    /** Adds one event's JSON (as {@link EventWriter} wrote it). */
    public void add(byte[] event) {
        int end = lengthWith(event.length);
        if (end > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(end, buf.length * 2));
        }
        if (count > 0) {
            buf[length] = '\n';
        }
        System.arraycopy(event, 0, buf, end - event.length, event.length);
        length = end;
        count++;
    }

    /** The events added so far as one message (payload and headers on {@code message}); empties the pack. */
    public Message take(Message.Builder message) {
        Message m = message.header(CONTENT_TYPE_HEADER, CONTENT_TYPE).header(COUNT_HEADER, Integer.toString(count))
                .unsafePayload(Arrays.copyOf(buf, length)).build();
        length = 0;
        count = 0;
        return m;
    }

    /** True when {@code message} is a pack of events. */
    public static boolean isPack(Message message) {
        return CONTENT_TYPE.equals(message.header(CONTENT_TYPE_HEADER));
    }

    /** The pack's count header, bounded by its payload's length whatever it says; 10 when it has none. */
    private static int countHint(Message message, int length) {
        try {
            return Math.max(1, Math.min(Integer.parseInt(message.header(COUNT_HEADER)), length + 1));
        } catch (NumberFormatException e) {
            return 10;
        }
    }

    /**
     * The events {@code message} carries, in order: the lines of a pack (an empty line stays, as an empty event),
     * otherwise the payload itself.
     */
    public static List<byte[]> events(Message message) {
        byte[] p = message.payload();
        if (!isPack(message)) {
            return List.of(p);
        }
        List<byte[]> events = new ArrayList<>(countHint(message, p.length));
        int start = 0;
        while (true) {
            int end = lineFeed(p, start);
            events.add(Arrays.copyOfRange(p, start, end));
            if (end == p.length) {
                return events;
            }
            start = end + 1;
        }
    }

    /** The index of the first LF in {@code p} from {@code from} on, or its length; eight bytes at a time. */
    private static int lineFeed(byte[] p, int from) {
        int i = from;
        for (; i + Long.BYTES <= p.length; i += Long.BYTES) {
            long word = (long) LONGS.get(p, i) ^ 0x0A0A0A0A0A0A0A0AL;
            // A byte of 0x80 where word has a zero byte; only bytes above a true zero can be wrongly marked, so the
            // lowest mark (the first byte, little-endian) is exact.
            long zeros = (word - 0x0101010101010101L) & ~word & 0x8080808080808080L;
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < p.length; i++) {
            if (p[i] == '\n') {
                return i;
            }
        }
        return p.length;
    }
}
