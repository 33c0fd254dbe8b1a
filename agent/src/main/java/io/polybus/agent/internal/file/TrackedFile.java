package io.polybus.agent.internal.file;

import io.micrometer.core.instrument.Meter;
import io.polybus.agent.InputProgress;
import io.polybus.agent.internal.LineAssembler;
import io.polybus.events.Origin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;

/**
 * One followed file: its identity, where it is read up to, its channel when open, and the line assembler its
 * bytes go through. Owned by its source's thread; {@link #size} and the progress are read by gauges on any thread.
 *
 * <p>{@link #fileId} names the byte stream its events come from: the file's own identity, or, for the copy of a
 * file truncated by copytruncate, the identity of the file it is a copy of (so a line has one {@code file_id} and
 * {@code offset}, whichever file it was read from).
 */
final class TrackedFile {
    /** What one {@link #read} round did. */
    enum ReadResult {
        PROGRESS, NOTHING, STOPPED,
        /** The file no longer continues what was read (truncated, or rewritten): nothing more of it is read. */
        REPLACED
    }

    final FileIdentity identity;
    /** The {@code file_id} of its events. */
    final String fileId;
    /** Its first {@code identity.fingerprintLength()} bytes, compared after every read. */
    private final byte[] head;
    private final ByteBuffer headCheck;
    final LineAssembler assembler;
    final InputProgress progress;
    /** The gauge of {@link #lag()}, removed when the file is released. */
    Meter lagMeter;
    String path;
    /** The path it was found at, once it has been renamed away from it. */
    String formerPath;
    /** A file rotated away from this one's path that is to be read to its end first, or null. */
    TrackedFile after;
    FileChannel channel;
    long readOffset;
    volatile long size;
    boolean atEof;
    long activeNanos = System.nanoTime();
    long detachedNanos = -1;
    /** A read found that the file no longer continues what was read; the next scan decides what follows. */
    boolean replaced;

    TrackedFile(FileIdentity identity, String fileId, byte[] head, String path, FileChannel channel, long start,
                long size, InputProgress progress, LineAssembler assembler) {
        this.identity = identity;
        this.fileId = fileId;
        this.head = head;
        this.headCheck = ByteBuffer.allocate(head.length);
        this.path = path;
        this.channel = channel;
        this.readOffset = start;
        this.size = size;
        this.progress = progress;
        this.assembler = assembler;
    }

    /** Bytes of the file not yet acknowledged by the broker. */
    long lag() {
        return Math.max(0, size - progress.ackedOffset());
    }

    /** The file moved to {@code newPath} (a rename): its events name the new path from now on. */
    void renamed(String newPath) {
        if (formerPath == null) {
            formerPath = path;
        }
        path = newPath;
        assembler.origin(Origin.file(newPath, fileId));
    }

    /** Nothing known to be unread: read up to the size last seen. */
    boolean caughtUp() {
        return readOffset >= size;
    }

    /**
     * Reads up to {@code budget} bytes from where it left off and feeds them to the assembler. Bytes read are fed
     * only once the file was seen, after reading them, to be as long as what was read and to start with the same
     * bytes as when it was found: bytes read after a truncation (or a rewrite) are never joined to what was read
     * before.
     *
     * @throws IOException when reading fails (the caller closes the channel and tries again later)
     */
    ReadResult read(byte[] buffer, ByteBuffer byteBuffer, int budget) throws IOException {
        boolean progressed = false;
        while (budget > 0) {
            byteBuffer.clear();
            int n = channel.read(byteBuffer, readOffset);
            if (n <= 0 && channel.size() < readOffset || n > 0 && !continues(readOffset + n)) {
                replaced = true;
                return ReadResult.REPLACED;
            }
            if (n <= 0) {
                atEof = true;
                progress.seal();
                return progressed ? ReadResult.PROGRESS : ReadResult.NOTHING;
            }
            progressed = true;
            atEof = false;
            activeNanos = System.nanoTime();
            long position = readOffset;
            readOffset += n;
            if (readOffset > size) {
                size = readOffset;
            }
            if (!assembler.feed(buffer, 0, n, position)) {
                return ReadResult.STOPPED;
            }
            budget -= n;
        }
        return ReadResult.PROGRESS;
    }

    /** Whether the file is at least {@code end} bytes long and still starts with the bytes it was found with. */
    boolean continues(long end) throws IOException {
        return channel.size() >= end && sameHead(channel);
    }

    /** Whether {@code ch} starts with this file's first bytes. */
    boolean sameHead(FileChannel ch) throws IOException {
        return FileIdentity.readHead(ch, headCheck) && Arrays.equals(head, headCheck.array());
    }

    byte[] head() {
        return head;
    }

    /** What reopening found. */
    enum Reopen { OPENED, NOT_NOW, REPLACED }

    /** Opens the closed file again, checking it is still the same file. */
    Reopen reopen() {
        try {
            Path p = Path.of(path);
            Map<String, Object> attrs = Files.readAttributes(p, "unix:dev,ino");
            if (((Number) attrs.get("dev")).longValue() != identity.device()
                    || ((Number) attrs.get("ino")).longValue() != identity.inode()) {
                size = readOffset;
                return Reopen.NOT_NOW;
            }
            FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
            if (!sameHead(ch)) {
                ch.close();
                return Reopen.REPLACED;
            }
            channel = ch;
            return Reopen.OPENED;
        } catch (IOException e) {
            size = readOffset;
            return Reopen.NOT_NOW;
        }
    }

    /** Closes the channel, if open; returns whether it was. */
    boolean closeChannel() {
        if (channel == null) {
            return false;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a read-only channel loses nothing.
        }
        channel = null;
        return true;
    }
}
