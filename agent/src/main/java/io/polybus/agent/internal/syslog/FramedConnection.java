package io.polybus.agent.internal.syslog;

import io.polybus.agent.InputProgress;
import io.polybus.agent.Outcome;
import io.polybus.agent.RawLine;
import io.polybus.agent.RawLine.Cut;
import io.polybus.agent.SourceContext;
import io.polybus.agent.internal.LineAssembler;
import io.polybus.agent.internal.LineSettings;
import io.polybus.events.Origin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * One TCP syslog sender and the RFC 6587 framing of its byte stream: octet counting ({@code <length> <message>})
 * or a newline after each message, decided per connection by its first byte when the framing is {@code auto}.
 * A frame without a valid length makes the connection go on with newline framing (counted and logged). Frames
 * longer than {@code max-event-bytes} are split or truncated as configured. Not thread-safe: the source's thread.
 */
final class FramedConnection {
    private static final Logger log = LoggerFactory.getLogger(FramedConnection.class);
    private static final int MAX_LENGTH_DIGITS = 10;

    final SocketChannel channel;
    final String peer;
    final InputProgress progress;
    private final String source;
    private final SourceContext context;
    private final LineAssembler lines;
    private final Origin origin;
    private final int maxBytes;
    private final boolean truncate;
    private final Runnable invalidFrame;
    private String framing;
    /** Bytes read from the connection so far. */
    private long position;
    /** Octet counting: the length being read (its digits kept), or the bytes of the frame still to come. */
    private final byte[] digits = new byte[MAX_LENGTH_DIGITS];
    private int digitCount;
    private long frameLeft = -1;
    private byte[] frame = new byte[256];
    private int frameLength;
    private long frameStart;
    private boolean splitting;
    private boolean discarding;

    FramedConnection(SocketChannel channel, String peer, String source, String framing, LineSettings settings,
                     SourceContext context, Runnable invalidFrame) {
        this.channel = channel;
        this.peer = peer;
        this.source = source;
        this.framing = framing;
        this.context = context;
        this.progress = context.newInput(0);
        this.origin = Origin.peer(peer);
        this.lines = new LineAssembler(settings, context, progress, origin);
        this.maxBytes = settings.maxEventBytes();
        this.truncate = settings.truncate();
        this.invalidFrame = invalidFrame;
    }

    /** @return false when the agent stopped while an event waited for room to send */
    boolean feed(byte[] b, int off, int len) {
        long base = position;
        position += len;
        if (framing.equals("auto")) {
            framing = b[off] >= '0' && b[off] <= '9' ? "octet-counting" : "newline";
        }
        int end = off + len;
        int i = off;
        while (i < end) {
            if (framing.equals("newline")) {
                return lines.feed(b, i, end - i, base + (i - off));
            }
            if (frameLeft >= 0) {
                int take = (int) Math.min(frameLeft, end - i);
                if (!body(b, i, take)) {
                    return false;
                }
                i += take;
                frameLeft -= take;
                if (frameLeft == 0 && !endFrame()) {
                    return false;
                }
                continue;
            }
            byte ch = b[i];
            if (ch >= '0' && ch <= '9' && digitCount < MAX_LENGTH_DIGITS) {
                digits[digitCount++] = ch;
            } else if (ch == ' ' && digitCount > 0) {
                frameLeft = 0;
                for (int d = 0; d < digitCount; d++) {
                    frameLeft = frameLeft * 10 + (digits[d] - '0');
                }
                frameStart = base + (i - off) + 1;
                digitCount = 0;
                if (frameLeft == 0) {
                    frameLeft = -1;
                }
            } else if (digitCount > 0 || (ch != '\n' && ch != '\r')) {
                // Not a length: the sender does not count octets after all. Go on as newline framing.
                invalidFrame.run();
                log.warn("source '{}': {} sent a syslog frame without a valid length; reading its messages "
                        + "as newline-terminated from here on", source, peer);
                framing = "newline";
                long at = base + (i - off) - digitCount;
                int n = digitCount;
                digitCount = 0;
                if (n > 0 && !lines.feed(digits, 0, n, at)) {
                    return false;
                }
                continue;
            }
            i++;
        }
        return true;
    }

    /** Bytes of the current frame: kept up to {@code max-event-bytes}, then split or truncated. */
    private boolean body(byte[] b, int off, int len) {
        if (discarding) {
            return true;
        }
        while (frameLength + len > maxBytes) {
            // One byte past the limit, so that the cut can tell whether it would split a character.
            int take = maxBytes + 1 - frameLength;
            append(b, off, take);
            off += take;
            len -= take;
            int cut = LineAssembler.cutAt(frame, 0, maxBytes);
            if (truncate) {
                discarding = true;
                frameLength = 0;
                return emit(cut, Cut.TRUNCATED);
            }
            if (!emit(cut, Cut.SPLIT)) {
                return false;
            }
            splitting = true;
            frameStart += cut;
            frameLength -= cut;
            System.arraycopy(frame, cut, frame, 0, frameLength);
        }
        append(b, off, len);
        return true;
    }

    private void append(byte[] b, int off, int len) {
        if (frameLength + len > frame.length) {
            frame = Arrays.copyOf(frame, Math.max(frameLength + len, Math.min(maxBytes, frame.length * 2)));
        }
        System.arraycopy(b, off, frame, frameLength, len);
        frameLength += len;
    }

    private boolean endFrame() {
        frameLeft = -1;
        boolean split = splitting;
        splitting = false;
        if (discarding) {
            discarding = false;
            return true;
        }
        int n = frameLength;
        frameLength = 0;
        while (n > 0 && (frame[n - 1] == '\n' || frame[n - 1] == '\r' || frame[n - 1] == 0)) {
            n--;
        }
        return n == 0 || emit(n, split ? Cut.SPLIT : Cut.WHOLE);
    }

    private boolean emit(int n, Cut cut) {
        return context.send(new RawLine(frame, 0, n, origin, frameStart, frameStart + n, cut), progress) != Outcome.STOPPED;
    }

    /** At the end of the connection: what it holds, a frame cut short marked truncated. */
    boolean flush() {
        if (framing.equals("newline")) {
            return lines.flushAll();
        }
        if (frameLeft > 0 && !discarding && frameLength > 0) {
            int n = frameLength;
            frameLength = 0;
            return emit(n, Cut.TRUNCATED);
        }
        return true;
    }
}
