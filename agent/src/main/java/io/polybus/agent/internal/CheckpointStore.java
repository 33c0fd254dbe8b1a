package io.polybus.agent.internal;

import io.polybus.agent.InputProgress;
import io.polybus.agent.internal.file.FileIdentity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers, per source and file identity, the offset up to which the broker acknowledged the file, in
 * {@code <data-dir>/checkpoints.json}. Files are written atomically: a temporary file, fsync, rename, fsync of
 * the directory, so a crash leaves the old or the new checkpoint, never a torn one. Entries of files no longer
 * seen expire after the configured time. The data directory is locked, so two agents cannot share it.
 * Thread-safe.
 */
public final class CheckpointStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FILE = "checkpoints.json";

    /**
     * What is saved of one file.
     *
     * @param identity the file read (device, inode, fingerprint)
     * @param fileId   the {@code file_id} of its events: its own identity's, or the one of the file it is a copy of
     * @param path     where it was first found
     * @param offset   acknowledged up to here
     */
    public record Saved(FileIdentity identity, String fileId, String path, long offset) {
    }

    /** One remembered file. {@code tracker} is set while the agent reads the file. */
    private static final class Entry {
        final String source;
        final FileIdentity identity;
        final String fileId;
        String path;
        long offset;
        long seenMillis;
        InputProgress tracker;
        boolean released;

        Entry(String source, FileIdentity identity, String fileId, String path, long offset, long seenMillis) {
            this.source = source;
            this.identity = identity;
            this.fileId = fileId;
            this.path = path;
            this.offset = offset;
            this.seenMillis = seenMillis;
        }

        Saved saved() {
            return new Saved(identity, fileId, path, offset);
        }
    }

    private final Path dir;
    private final Path file;
    private final boolean persistent;
    private final long expiryMillis;
    private final Map<String, Entry> entries = new HashMap<>();
    private FileChannel lockChannel;
    private FileLock lock;
    private boolean dirty;
    private long lastSaveMillis = System.currentTimeMillis();
    private boolean savedProgress;

    /**
     * @param dir where to keep checkpoints, or {@code null} to keep them in memory only
     * @throws IllegalStateException when another agent holds the directory
     */
    public CheckpointStore(Path dir, Duration expiry) {
        this.dir = dir;
        this.file = dir == null ? null : dir.resolve(FILE);
        this.persistent = dir != null;
        this.expiryMillis = expiry.toMillis();
        if (persistent) {
            lockAndLoad();
        }
    }

    private void lockAndLoad() {
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                lockChannel.close();
                throw new IllegalStateException("data directory " + dir.toAbsolutePath()
                        + " is in use by another agent; give each agent its own agent.data-dir");
            }
            load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use data directory " + dir.toAbsolutePath() + " (agent.data-dir): "
                    + unusable(dir).orElse(e.getClass().getSimpleName() + ": " + e.getMessage()), e);
        }
    }

    /**
     * Why {@code dir} cannot be the data directory, checked without touching it: it, or the nearest of its parents
     * that exists, is a file or is not writable. Empty when nothing is known to be wrong.
     */
    public static Optional<String> unusable(Path dir) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.empty();
        }
        String what = existing.equals(dir.toAbsolutePath()) ? "it" : "its parent " + existing;
        if (!Files.isDirectory(existing)) {
            return Optional.of(what + " is a file, not a directory");
        }
        if (!Files.isWritable(existing)) {
            return Optional.of(what + " is not writable by this user");
        }
        return Optional.empty();
    }

    private void load() throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return;
        }
        if (root == null || !root.has("files")) {
            return;
        }
        for (JsonNode n : root.get("files")) {
            FileIdentity id = new FileIdentity(n.get("dev").asLong(), n.get("ino").asLong(), n.get("fp_len").asInt(),
                    n.get("fp").asText());
            Entry e = new Entry(n.get("source").asText(), id, n.path("file_id").asText(id.id()), n.path("path").asText(),
                    n.get("offset").asLong(), n.path("seen").asLong(System.currentTimeMillis()));
            entries.put(key(e.source, id.inodeKey()), e);
        }
        log.info("loaded {} checkpoints from {}", entries.size(), file.toAbsolutePath());
    }

    private static String key(String source, String inodeKey) {
        return source + "|" + inodeKey;
    }

    /** What is saved of this file, or null when nothing is (or the inode now holds another file). */
    public synchronized Saved saved(String source, FileIdentity identity) {
        Entry e = entries.get(key(source, identity.inodeKey()));
        return e == null || !e.identity.equals(identity) ? null : e.saved();
    }

    /** What is saved of every file of {@code source}. */
    public synchronized List<Saved> saved(String source) {
        List<Saved> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.source.equals(source)) {
                out.add(e.saved());
            }
        }
        return out;
    }

    /** The saved fingerprint length for this inode, or -1: a known file is compared over the same bytes. */
    public synchronized int fingerprintLength(String source, long device, long inode) {
        Entry e = entries.get(key(source, device + ":" + inode));
        return e == null ? -1 : e.identity.fingerprintLength();
    }

    /**
     * Starts saving the offsets of {@code tracker} for this file (replacing what an older file of the inode had);
     * {@code path} is where it was first found, {@code fileId} the {@code file_id} of its events.
     */
    public synchronized void track(String source, FileIdentity identity, String fileId, String path, InputProgress tracker) {
        Entry e = new Entry(source, identity, fileId, path, tracker.ackedOffset(), System.currentTimeMillis());
        e.tracker = tracker;
        entries.put(key(source, identity.inodeKey()), e);
        dirty = true;
    }

    /**
     * The events of file {@code from} now come from file {@code to} (its copy, found at {@code path}): its entry,
     * tracker and {@code file_id} go over to the copy, replacing what the copy's inode had.
     */
    public synchronized void moved(String source, FileIdentity from, FileIdentity to, String path) {
        Entry old = entries.get(key(source, from.inodeKey()));
        if (old == null || !old.identity.equals(from)) {
            return;
        }
        entries.remove(key(source, from.inodeKey()));
        Entry e = new Entry(source, to, old.fileId, path, old.offset, System.currentTimeMillis());
        e.tracker = old.tracker;
        entries.put(key(source, to.inodeKey()), e);
        dirty = true;
    }

    /** The file was released; its entry keeps its last offset until it expires. */
    public synchronized void release(String source, FileIdentity identity) {
        Entry e = entries.get(key(source, identity.inodeKey()));
        if (e != null && e.identity.equals(identity)) {
            e.released = true;
        }
    }

    /**
     * Saves when a save is due: {@code intervalMillis} after the last one, as soon as {@code maxUnsavedBytes} were
     * acknowledged since the last one, or, the first time, as soon as anything was acknowledged (so a crash soon
     * after start sends little again).
     */
    public synchronized void saveIfDue(long intervalMillis, long maxUnsavedBytes) {
        long unsaved = 0;
        for (Entry e : entries.values()) {
            if (e.tracker != null) {
                unsaved += Math.max(0, e.tracker.ackedOffset() - e.offset);
            }
        }
        if (System.currentTimeMillis() - lastSaveMillis >= intervalMillis || unsaved >= maxUnsavedBytes
                || !savedProgress && unsaved > 0) {
            savedProgress |= unsaved > 0;
            save();
        }
    }

    /** Writes the current offsets if anything changed. */
    public synchronized void save() {
        lastSaveMillis = System.currentTimeMillis();
        long now = System.currentTimeMillis();
        var it = entries.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.tracker != null) {
                long acked = e.tracker.ackedOffset();
                if (acked != e.offset) {
                    e.offset = acked;
                    dirty = true;
                }
                e.seenMillis = now;
                if (e.released && e.tracker.idle()) {
                    e.tracker = null;
                }
            } else if (now - e.seenMillis > expiryMillis) {
                it.remove();
                dirty = true;
            }
        }
        if (!dirty || !persistent) {
            dirty = false;
            return;
        }
        try {
            write(now);
            dirty = false;
        } catch (IOException e) {
            log.warn("cannot write checkpoints to {} (will retry): {}", file.toAbsolutePath(), e.toString());
        }
    }

    private void write(long now) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("written", now);
        ArrayNode files = root.putArray("files");
        for (Entry e : entries.values()) {
            files.addObject().put("source", e.source).put("path", e.path).put("dev", e.identity.device())
                    .put("ino", e.identity.inode()).put("fp_len", e.identity.fingerprintLength())
                    .put("fp", e.identity.fingerprint()).put("file_id", e.fileId).put("offset", e.offset)
                    .put("seen", e.seenMillis);
        }
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Path tmp = dir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // Not every file system lets a directory be opened for fsync; the rename is still atomic.
        }
    }

    /** Saves a last time and unlocks the data directory. */
    @Override
    public synchronized void close() {
        save();
        try {
            if (lock != null) {
                lock.release();
                lockChannel.close();
                lock = null;
            }
        } catch (IOException e) {
            log.debug("unlocking {}: {}", dir, e.toString());
        }
    }
}
