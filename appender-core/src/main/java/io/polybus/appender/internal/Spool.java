package io.polybus.appender.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Events waiting on disk, in order: a directory of segment files ({@code <sequence>.spool}), each holding one event
 * JSON per line (event JSON never holds a raw newline). Appends go to the last segment; reads start at the first,
 * and a segment is deleted once every event read from it was committed (delivered). A segment that was read only in
 * part when the process stopped is read again from its start on the next start: delivery is at least once.
 * Segments end at {@link #SEGMENT_BYTES}, which bounds those repeats. The directory is locked against a second
 * process.
 *
 * <p>Thread-safe: every method holds this object's monitor, which callers also use to order their own decisions
 * with the spool's state.
 */
public final class Spool implements AutoCloseable {
    static final long SEGMENT_BYTES = 8L << 20;
    private static final String SUFFIX = ".spool";
    private static final long FIRST = 1_000_000_000L;

    private final Path dir;
    private final long maxBytes;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private long totalBytes;

    private OutputStream out;
    private long outSegment = -1;
    private long outBytes;

    private FileChannel in;
    private long inSegment = -1;
    private long readPosition;
    private long pendingPosition;
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

    /**
     * Opens (and creates) the spool directory, taking over the segments a previous run left.
     *
     * @throws IllegalStateException when the directory cannot be used or another process holds it
     */
    public Spool(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                lockChannel.close();
                throw new IllegalStateException("spool directory " + dir
                        + " is in use by another appender or process; give each appender a spool-dir of its own");
            }
            lock = l;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList()) {
                    String name = p.getFileName().toString();
                    segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), p);
                    totalBytes += Files.size(p);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("spool directory " + dir + " cannot be used: " + e.getMessage(), e);
        }
    }

    public Path directory() {
        return dir;
    }

    /** Whether no event is waiting (read but uncommitted events count as waiting). */
    public synchronized boolean isEmpty() {
        return segments.isEmpty();
    }

    /** Bytes on disk, committed reads not yet deducted. */
    public synchronized long bytes() {
        return totalBytes;
    }

    /**
     * Appends one event at the end.
     *
     * @return false, writing nothing, when the spool has reached its size bound
     */
    public synchronized boolean append(byte[] event) {
        if (totalBytes + event.length + 1 > maxBytes) {
            return false;
        }
        try {
            if (out == null || outBytes >= SEGMENT_BYTES) {
                roll(segments.isEmpty() ? FIRST : segments.lastKey() + 1);
            }
            out.write(event);
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to spool " + dir, e);
        }
        outBytes += event.length + 1;
        totalBytes += event.length + 1;
        return true;
    }

    private void roll(long sequence) throws IOException {
        closeWriter();
        Path file = dir.resolve(String.format("%020d%s", sequence, SUFFIX));
        out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND), 64 * 1024);
        segments.put(sequence, file);
        outSegment = sequence;
        outBytes = Files.size(file);
    }

    /** Makes what was appended readable by {@link #read} and durable against a crash of this process. */
    public synchronized void flush() {
        if (out != null) {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write to spool " + dir, e);
            }
        }
    }

    /**
     * Reads up to {@code max} events from the head, after those read before and not yet committed.
     *
     * @return the events, empty when none is waiting past the read position
     */
    public synchronized List<byte[]> read(int max) {
        List<byte[]> events = new ArrayList<>();
        try {
            while (events.size() < max && !segments.isEmpty()) {
                long head = segments.firstKey();
                if (inSegment != head) {
                    closeReader();
                    in = FileChannel.open(segments.get(head), StandardOpenOption.READ);
                    inSegment = head;
                    readPosition = 0;
                    pendingPosition = 0;
                }
                if (head == outSegment) {
                    flush();
                }
                int before = events.size();
                readLines(events, max);
                if (events.size() > before || head == outSegment) {
                    break;
                }
                // A finished segment read to its end; bytes after its last newline are a line torn by a crash.
                if (pendingPosition > readPosition) {
                    pendingPosition = in.size();
                    break;
                }
                dropHead();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spool " + dir, e);
        }
        return events;
    }

    private void readLines(List<byte[]> events, int max) throws IOException {
        while (events.size() < max) {
            buffer.clear();
            int n = in.read(buffer, pendingPosition);
            if (n <= 0) {
                return;
            }
            int start = 0;
            int found = 0;
            for (int i = 0; i < n && events.size() < max; i++) {
                if (buffer.get(i) == '\n') {
                    byte[] line = new byte[i - start];
                    buffer.get(start, line);
                    events.add(line);
                    start = i + 1;
                    found++;
                }
            }
            if (found == 0) {
                if (n == buffer.capacity()) {
                    buffer = ByteBuffer.allocate(buffer.capacity() * 2);
                    continue;
                }
                return;
            }
            pendingPosition += start;
        }
    }

    /** Marks every event {@link #read} so far as delivered; deletes the segments wholly delivered. */
    public synchronized void commit() {
        long delivered = pendingPosition - readPosition;
        readPosition = pendingPosition;
        totalBytes -= delivered;
        try {
            if (inSegment >= 0 && inSegment != outSegment && readPosition >= in.size()) {
                dropHead();
            } else if (inSegment >= 0 && inSegment == outSegment && readPosition >= outBytes) {
                closeWriter();
                dropHead();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spool " + dir, e);
        }
    }

    /** Forgets events read and not committed: the next read starts again at the last commit. */
    public synchronized void rewind() {
        pendingPosition = readPosition;
    }

    private void dropHead() throws IOException {
        long head = segments.firstKey();
        Path file = segments.remove(head);
        long left = in != null && inSegment == head ? in.size() - readPosition : Files.size(file);
        totalBytes -= Math.max(0, left);
        closeReader();
        Files.deleteIfExists(file);
    }

    /**
     * Puts {@code events} before everything spooled (events that were older than the spool's: those queued in
     * memory at shutdown), in a segment of their own.
     */
    public synchronized void prepend(List<byte[]> events) {
        if (events.isEmpty()) {
            return;
        }
        long sequence = segments.isEmpty() ? FIRST : segments.firstKey() - 1;
        Path file = dir.resolve(String.format("%020d%s", sequence, SUFFIX));
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING))) {
            for (byte[] e : events) {
                o.write(e);
                o.write('\n');
                totalBytes += e.length + 1;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to spool " + dir, e);
        }
        segments.put(sequence, file);
        try {
            closeReader();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spool " + dir, e);
        }
    }

    private void closeReader() throws IOException {
        if (in != null) {
            in.close();
            in = null;
        }
        inSegment = -1;
        readPosition = 0;
        pendingPosition = 0;
    }

    private void closeWriter() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
        outSegment = -1;
        outBytes = 0;
    }

    /** Flushes and closes the files and releases the directory; what is spooled stays for the next start. */
    @Override
    public synchronized void close() {
        try {
            closeWriter();
            closeReader();
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close spool " + dir, e);
        }
    }
}
