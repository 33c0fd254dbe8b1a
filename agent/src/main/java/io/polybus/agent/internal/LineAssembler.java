package io.polybus.agent.internal;

import io.polybus.agent.InputProgress;
import io.polybus.agent.Outcome;
import io.polybus.agent.RawLine;
import io.polybus.agent.RawLine.Cut;
import io.polybus.agent.SourceContext;
import io.polybus.events.Origin;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Cuts one byte stream (a file, stdin) into records: lines, chunks of lines longer than the maximum event
 * size (split, or truncated with the rest skipped), and multi-line events joined by a start pattern. Every
 * record goes to the source's context with the stream offsets of its first byte and of the byte after it, so the
 * checkpoint can advance over it. A trailing {@code \r} is dropped. Not thread-safe: the reader's thread only.
 */
public final class LineAssembler {
    private final SourceContext context;
    private final InputProgress progress;
    private final int maxBytes;
    private final boolean truncate;
    private final Pattern multilineStart;
    private final long multilineTimeoutNanos;
    private final int multilineMaxLines;
    private Origin origin;

    private byte[] partial = new byte[256];
    private int partialLength;
    private long partialStart;
    private boolean discarding;
    private boolean continuesSplit;

    private byte[] joined;
    private int joinedLength;
    private int joinedLines;
    private long joinedStart;
    private long joinedEnd;
    private long joinedAtNanos;

    public LineAssembler(LineSettings settings, SourceContext context, InputProgress progress, Origin origin) {
        this.context = context;
        this.progress = progress;
        this.maxBytes = settings.maxEventBytes();
        this.truncate = settings.truncate();
        LineSettings.Multiline m = settings.multiline();
        this.multilineStart = m == null ? null : m.start();
        this.multilineTimeoutNanos = m == null ? 0 : m.timeout().toNanos();
        this.multilineMaxLines = m == null ? 0 : m.maxLines();
        this.origin = origin;
        if (multilineStart != null) {
            joined = new byte[256];
        }
    }

    /** Where the next records come from (a file renamed while it is read keeps its identity). */
    public void origin(Origin newOrigin) {
        this.origin = newOrigin;
    }

    /**
     * Feeds {@code b[off, off + len)}, which starts at stream offset {@code position}.
     *
     * @return false when the agent stopped while a record waited for room to send
     */
    public boolean feed(byte[] b, int off, int len, long position) {
        int end = off + len;
        int start = off;
        while (start < end) {
            int nl = indexOfNewline(b, start, end);
            long startPos = position + (start - off);
            if (nl < 0) {
                return appendPartial(b, start, end - start, startPos);
            }
            long endPos = position + (nl - off) + 1;
            boolean ok;
            if (discarding) {
                discarding = false;
                progress.skipTo(endPos);
                ok = true;
            } else if (partialLength > 0) {
                ok = appendPartial(b, start, nl - start, startPos);
                if (ok && discarding) {
                    discarding = false;
                    progress.skipTo(endPos);
                } else if (ok) {
                    int n = partialLength;
                    partialLength = 0;
                    ok = completeLine(partial, 0, n, partialStart, endPos);
                }

            } else {
                ok = completeLine(b, start, nl - start, startPos, endPos);
            }
            if (!ok) {
                return false;
            }
            start = nl + 1;
        }
        return true;
    }

    private static int indexOfNewline(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private boolean appendPartial(byte[] b, int off, int len, long position) {
        if (discarding) {
            return true;
        }
        if (partialLength == 0) {
            partialStart = position;
        }
        while (partialLength + len > maxBytes) {
            int room = maxBytes - partialLength;
            int cut = room;
            while (cut > 0 && (b[off + cut] & 0xC0) == 0x80) {
                cut--;
            }
            if (cut == 0 && partialLength == 0) {
                cut = room;
            }
            append(b, off, cut);
            off += cut;
            len -= cut;
            if (!flushJoined()) {
                return false;
            }
            int n = partialLength;
            partialLength = 0;
            if (truncate) {
                discarding = true;
                return send(partial, 0, n, partialStart, partialStart + n + len, Cut.TRUNCATED);
            }
            if (!send(partial, 0, n, partialStart, partialStart + n, Cut.SPLIT)) {
                return false;
            }
            continuesSplit = true;
            partialStart += n;
        }
        append(b, off, len);
        return true;
    }

    private void append(byte[] b, int off, int len) {
        if (partialLength + len > partial.length) {
            partial = Arrays.copyOf(partial, Math.max(partialLength + len, Math.min(maxBytes, partial.length * 2)));
        }
        System.arraycopy(b, off, partial, partialLength, len);
        partialLength += len;
    }

    private boolean completeLine(byte[] b, int off, int len, long startPos, long endPos) {
        if (len > 0 && b[off + len - 1] == '\r') {
            len--;
        }
        if (continuesSplit) {
            // The last chunk of a line whose first chunks were sent while it was still being read.
            continuesSplit = false;
            if (len == 0) {
                progress.skipTo(endPos);
                return true;
            }
            return send(b, off, len, startPos, endPos, Cut.SPLIT);
        }
        if (len <= maxBytes) {
            return line(b, off, len, startPos, endPos);
        }
        if (!flushJoined()) {
            return false;
        }
        if (truncate) {
            return send(b, off, cutAt(b, off, maxBytes), startPos, endPos, Cut.TRUNCATED);
        }
        int done = 0;
        while (done < len) {
            int n = len - done <= maxBytes ? len - done : cutAt(b, off + done, maxBytes);
            long chunkEnd = done + n == len ? endPos : startPos + done + n;
            if (!send(b, off + done, n, startPos + done, chunkEnd, Cut.SPLIT)) {
                return false;
            }
            done += n;
        }
        return true;
    }

    /** A cut of at most {@code max} bytes that does not split a UTF-8 sequence (unless it has to). */
    public static int cutAt(byte[] b, int off, int max) {
        int cut = max;
        while (cut > 0 && (b[off + cut] & 0xC0) == 0x80) {
            cut--;
        }
        return cut == 0 ? max : cut;
    }

    private boolean line(byte[] b, int off, int len, long startPos, long endPos) {
        if (multilineStart == null) {
            return send(b, off, len, startPos, endPos, Cut.WHOLE);
        }
        boolean starts = multilineStart.matcher(new String(b, off, len, StandardCharsets.ISO_8859_1)).find();
        if (joinedLength > 0 && (starts || joinedLines >= multilineMaxLines || joinedLength + 1 + len > maxBytes)) {
            if (!flushJoined()) {
                return false;
            }
        }
        if (joinedLength == 0) {
            joinedStart = startPos;
            joinedLines = 0;
        } else {
            appendJoined(new byte[] {'\n'}, 0, 1);
        }
        appendJoined(b, off, len);
        joinedLines++;
        joinedEnd = endPos;
        joinedAtNanos = System.nanoTime();
        return true;
    }

    private void appendJoined(byte[] b, int off, int len) {
        if (joinedLength + len > joined.length) {
            joined = Arrays.copyOf(joined, Math.max(joinedLength + len, joined.length * 2));
        }
        System.arraycopy(b, off, joined, joinedLength, len);
        joinedLength += len;
    }

    /** Sends one record; false when the agent stopped while it waited for room. */
    private boolean send(byte[] b, int off, int len, long startPos, long endPos, Cut cut) {
        return context.send(new RawLine(b, off, len, origin, startPos, endPos, cut), progress) != Outcome.STOPPED;
    }

    /** Sends the multi-line event being joined, if any. */
    private boolean flushJoined() {
        if (joinedLength == 0) {
            return true;
        }
        int n = joinedLength;
        joinedLength = 0;
        return send(joined, 0, n, joinedStart, joinedEnd, Cut.WHOLE);
    }

    /** Sends a multi-line event that got no new line for the configured timeout. */
    public boolean flushIdle(long nowNanos) {
        if (joinedLength > 0 && nowNanos - joinedAtNanos >= multilineTimeoutNanos) {
            return flushJoined();
        }
        return true;
    }

    /**
     * The stream cannot go on (its file was truncated, and no copy continues it): sends the multi-line event being
     * joined (its lines are whole) and drops the unfinished line, which can never be completed.
     *
     * @return the bytes of the unfinished line dropped (0 when there was none)
     */
    public int abandon() {
        int dropped = partialLength;
        partialLength = 0;
        discarding = false;
        continuesSplit = false;
        flushJoined();
        return dropped;
    }

    /** At the end of the stream: sends everything held back, the unfinished last line included. */
    public boolean flushAll() {
        if (discarding) {
            discarding = false;
        }
        if (partialLength > 0) {
            int n = partialLength;
            partialLength = 0;
            if (!completeLine(partial, 0, n, partialStart, partialStart + n)) {
                return false;
            }
        }
        return flushJoined();
    }
}
