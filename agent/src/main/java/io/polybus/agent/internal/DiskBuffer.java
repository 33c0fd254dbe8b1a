package io.polybus.agent.internal;

import io.polybus.agent.InputProgress;
import io.polybus.agent.RawLine;
import io.polybus.events.Origin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The records of one source ({@code buffer: disk}) on disk between the moment they are received and the moment
 * the broker acknowledged them: a queue of segment files in its directory, each named by the position (in bytes
 * since the buffer was created) of its first record, and a file {@code acked} with the position up to which the
 * broker acknowledged them. A record is written (one {@code write}, to the operating system) before it counts as
 * received, so a killed process loses none; on start the buffer is replayed from {@code acked}, a record cut by
 * the kill being dropped. At most {@code maxBytes} of records are unacknowledged; past it {@link #append} waits.
 *
 * <p>Threads: {@link #append} from the receiving thread, {@link #next} from the shipping thread, {@link #save}
 * from any.
 */
public final class DiskBuffer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiskBuffer.class);
    private static final String SUFFIX = ".seg";
    private static final String ACKED = "acked";
    private static final int HEADER = 8;

    /** A record read back: the line, and the buffer position just past it (what acknowledges it). */
    record Record(RawLine line, long end) {
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    /** Segment start positions → files. */
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private final CRC32 writeCrc = new CRC32();
    private final CRC32 readCrc = new CRC32();
    private ByteBuffer encoded = ByteBuffer.allocate(4096);
    private final ByteBuffer header = ByteBuffer.allocate(HEADER);
    private FileChannel writer;
    private long writerStart;
    private volatile long written;
    private FileChannel reader;
    private long readerStart = -1;
    private long read;
    private volatile long acked;
    private long savedAcked = -1;
    private volatile InputProgress progress;

    private DiskBuffer(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(64 << 10, maxBytes / 8);
    }

    /**
     * Opens (or creates) the buffer in {@code dir}, ready to replay what was not acknowledged.
     *
     * @throws UncheckedIOException naming the directory when it cannot be used
     */
    public static DiskBuffer open(Path dir, long maxBytes) {
        DiskBuffer b = new DiskBuffer(dir, maxBytes);
        try {
            b.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the disk buffer " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        return b;
    }

    private void load() throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(SUFFIX)) {
                    segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), p);
                }
            }
        }
        Path ackedFile = dir.resolve(ACKED);
        long saved = Files.exists(ackedFile) ? Long.parseLong(Files.readString(ackedFile).trim()) : 0;
        if (segments.isEmpty()) {
            newSegment(saved);
        } else {
            // Segments wholly acknowledged are deleted after the position was saved, so the first one left starts
            // at or before the saved position, unless the agent died between the two.
            acked = Math.max(saved, segments.firstKey());
            long last = segments.lastKey();
            writer = FileChannel.open(segments.get(last), StandardOpenOption.WRITE, StandardOpenOption.READ);
            writerStart = last;
            long valid = validLength(writer);
            if (valid < writer.size()) {
                log.warn("disk buffer {}: dropping {} bytes of a record cut when the agent died", dir, writer.size() - valid);
                writer.truncate(valid);
            }
            writer.position(valid);
            written = last + valid;
        }
        acked = Math.max(acked, saved);
        read = acked;
        savedAcked = acked;
        long unacked = written - acked;
        if (unacked > 0) {
            log.info("disk buffer {}: {} bytes received before the last stop are sent first", dir, unacked);
        }
    }

    /** The length of the whole records at the start of {@code ch}. */
    private long validLength(FileChannel ch) throws IOException {
        long pos = 0;
        long size = ch.size();
        while (pos + HEADER <= size) {
            header.clear();
            readFully(ch, header, pos);
            int length = header.getInt(0);
            if (length < 0 || pos + HEADER + length > size) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            readFully(ch, body, pos + HEADER);
            readCrc.reset();
            readCrc.update(body.array(), 0, length);
            if ((int) readCrc.getValue() != header.getInt(4)) {
                break;
            }
            pos += HEADER + length;
        }
        return pos;
    }

    private void newSegment(long start) throws IOException {
        if (writer != null) {
            writer.close();
        }
        Path p = dir.resolve(String.format("%020d%s", start, SUFFIX));
        writer = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
                StandardOpenOption.TRUNCATE_EXISTING);
        writerStart = start;
        synchronized (this) {
            segments.put(start, p);
        }
        written = start;
    }

    /** Where shipping starts: the position up to which the broker acknowledged. */
    public long acked() {
        return acked;
    }

    /** Shipping reads with {@code progress}: {@link #save} keeps its acknowledged position. */
    public void track(InputProgress progress) {
        this.progress = progress;
    }

    /**
     * Writes {@code line}; returns once it is written, false (without writing it) when {@code stopping} turned true
     * while it waited for room.
     */
    public boolean append(RawLine line, BooleanSupplier stopping) {
        ByteBuffer record = encode(line);
        int size = record.remaining();
        synchronized (this) {
            while (written - acked() + size > maxBytes && written > acked()) {
                if (stopping.getAsBoolean()) {
                    return false;
                }
                try {
                    wait(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                refreshAcked();
            }
        }
        try {
            if (written - writerStart + size > segmentBytes && written > writerStart) {
                newSegment(written);
            }
            while (record.hasRemaining()) {
                writer.write(record);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the disk buffer " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        synchronized (this) {
            written += size;
            notifyAll();
        }
        return true;
    }

    private void refreshAcked() {
        InputProgress p = progress;
        if (p != null && p.ackedOffset() > acked) {
            acked = p.ackedOffset();
        }
    }

    private ByteBuffer encode(RawLine line) {
        byte[][] strings = {utf8(line.origin().path()), utf8(line.origin().fileId()), utf8(line.origin().peer())};
        int length = 1 + 8 + 3 * 4 + line.length();
        for (byte[] s : strings) {
            length += s == null ? 0 : s.length;
        }
        if (encoded.capacity() < HEADER + length) {
            encoded = ByteBuffer.allocate(Math.max(HEADER + length, encoded.capacity() * 2));
        }
        ByteBuffer b = encoded;
        b.clear();
        b.putInt(length).putInt(0);
        b.put((byte) line.cut().ordinal()).putLong(line.position());
        for (byte[] s : strings) {
            b.putInt(s == null ? -1 : s.length);
            if (s != null) {
                b.put(s);
            }
        }
        b.put(line.bytes(), line.offset(), line.length());
        writeCrc.reset();
        writeCrc.update(b.array(), HEADER, length);
        b.putInt(4, (int) writeCrc.getValue());
        b.flip();
        return b;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** The next record, waiting up to {@code timeoutMillis} for one; null when none came. Shipping thread only. */
    public Record next(long timeoutMillis) {
        synchronized (this) {
            if (read >= written) {
                try {
                    wait(timeoutMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (read >= written) {
                    return null;
                }
            }
        }
        try {
            long start;
            Path file;
            synchronized (this) {
                start = segments.floorKey(read);
                file = segments.get(start);
            }
            if (start != readerStart) {
                if (reader != null) {
                    reader.close();
                }
                reader = FileChannel.open(file, StandardOpenOption.READ);
                readerStart = start;
            }
            header.clear();
            readFully(reader, header, read - start);
            int length = header.getInt(0);
            ByteBuffer body = ByteBuffer.allocate(length);
            readFully(reader, body, read - start + HEADER);
            body.flip();
            RawLine.Cut cut = RawLine.Cut.values()[body.get()];
            long position = body.getLong();
            String path = string(body);
            String fileId = string(body);
            String peer = string(body);
            byte[] bytes = new byte[body.remaining()];
            body.get(bytes);
            read += HEADER + length;
            return new Record(new RawLine(bytes, 0, bytes.length, new Origin(path, fileId, peer), position, read, cut), read);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the disk buffer " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of " + ch);
            }
            pos += n;
        }
    }

    /** Whether every record written was read. */
    public synchronized boolean drained() {
        return read >= written;
    }

    /** Saves the acknowledged position, then deletes the segments wholly acknowledged. */
    public void save() {
        List<Path> done = new ArrayList<>();
        synchronized (this) {
            refreshAcked();
            if (acked == savedAcked) {
                return;
            }
            try {
                Path tmp = dir.resolve(ACKED + ".tmp");
                Files.writeString(tmp, Long.toString(acked));
                try {
                    Files.move(tmp, dir.resolve(ACKED), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, dir.resolve(ACKED), StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                log.warn("cannot save the position of the disk buffer {} (will retry): {}", dir, e.toString());
                return;
            }
            savedAcked = acked;
            while (segments.size() > 1) {
                Long second = segments.higherKey(segments.firstKey());
                if (second > acked || segments.firstKey() == writerStart) {
                    break;
                }
                done.add(segments.remove(segments.firstKey()));
            }
            notifyAll();
        }
        for (Path p : done) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", p, e.toString());
            }
        }
    }

    /** Saves the acknowledged position and closes the files. */
    @Override
    public void close() {
        save();
        try {
            if (reader != null) {
                reader.close();
            }
            writer.close();
        } catch (IOException e) {
            log.debug("closing the disk buffer {}: {}", dir, e.toString());
        }
    }
}
