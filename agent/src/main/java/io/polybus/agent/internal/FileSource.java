package io.polybus.agent.internal;

import io.micrometer.core.instrument.Meter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Tails the files of one {@code file} source on its own thread: finds them by glob (again every scan
 * interval), follows them across rename and copytruncate rotation, and feeds their bytes to the source's
 * pipeline. At most {@code max-open-files} are open at once; inactive files are closed and reopened when they
 * grow; files removed or renamed away are read to their end, then released.
 *
 * <p>Rotation keeps order: a new file at a path that another file was renamed (or removed) away from is read
 * only once that older file has been read to its end, whether the rename happened while the agent ran or while
 * it was stopped (the checkpoint remembers the path each file was found at).
 */
final class FileSource implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(FileSource.class);
    private static final int READ_BUFFER = 256 * 1024;
    private static final int READ_BUDGET = 4 * 1024 * 1024;
    private static final long IDLE_PARK_NANOS = 50_000_000L;

    private final Settings.Source source;
    private final Pipeline pipeline;
    private final CheckpointStore checkpoints;
    private final AgentMetrics metrics;
    private final int batchEvents;
    private final Lifecycle lifecycle;
    private final List<Glob> globs = new ArrayList<>();
    private final List<PathMatcher> excludes = new ArrayList<>();
    private final Map<String, TrackedFile> files = new LinkedHashMap<>();
    private final Map<String, Long> truncatedOffsets = new LinkedHashMap<>();
    private final Set<String> complained = new HashSet<>();
    private final byte[] buffer = new byte[READ_BUFFER];
    private final ByteBuffer byteBuffer = ByteBuffer.wrap(buffer);
    private final AtomicInteger openFiles = new AtomicInteger();
    private volatile Thread thread;

    /** One followed file. */
    private final class TrackedFile {
        final FileIdentity identity;
        final LineAssembler assembler;
        final OffsetTracker tracker;
        final Meter lagMeter;
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

        TrackedFile(FileIdentity identity, String path, FileChannel channel, long start, long size) {
            this.identity = identity;
            this.path = path;
            this.channel = channel;
            this.readOffset = start;
            this.size = size;
            this.tracker = new OffsetTracker(start, batchEvents);
            this.assembler = new LineAssembler(source, pipeline, tracker, path, identity.id());
            this.lagMeter = metrics.fileLag(source.name(), path, () -> Math.max(0, this.size - tracker.ackedOffset()));
        }
    }

    FileSource(Settings.Source source, Pipeline pipeline, CheckpointStore checkpoints, AgentMetrics metrics,
               int batchEvents, Lifecycle lifecycle) {
        this.source = source;
        this.pipeline = pipeline;
        this.checkpoints = checkpoints;
        this.metrics = metrics;
        this.batchEvents = batchEvents;
        this.lifecycle = lifecycle;
        source.paths().forEach(p -> globs.add(Glob.of(p)));
        source.exclude().forEach(p -> excludes.add(Glob.exclude(p)));
        metrics.gauge("files.open", "files of the source held open", openFiles::get, "source", source.name());
    }

    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        long scanNanos = source.scanInterval().toNanos();
        long nextScan = System.nanoTime();
        boolean first = true;
        try {
            while (!lifecycle.stopping()) {
                long now = System.nanoTime();
                if (now - nextScan >= 0) {
                    scan(first);
                    first = false;
                    nextScan = now + scanNanos;
                }
                boolean progress = false;
                for (TrackedFile f : new ArrayList<>(files.values())) {
                    progress |= read(f);
                    if (lifecycle.stopping()) {
                        break;
                    }
                }
                housekeeping(System.nanoTime());
                if (!pipeline.flush()) {
                    break;
                }
                if (!progress) {
                    if (lifecycle.once() && finishOnce()) {
                        break;
                    }
                    long wait = Math.min(IDLE_PARK_NANOS, Math.max(1, nextScan - System.nanoTime()));
                    LockSupport.parkNanos(this, wait);
                }
            }
        } catch (RuntimeException e) {
            log.error("source '{}' failed; it stops reading", source.name(), e);
        } finally {
            pipeline.flush();
            for (TrackedFile f : files.values()) {
                f.tracker.seal();
                closeChannel(f);
            }
            lifecycle.sourceFinished();
        }
    }

    /** In --once mode: every file is read to its end; sends what is held back. */
    private boolean finishOnce() {
        for (TrackedFile f : files.values()) {
            if (!f.atEof && (f.channel != null || f.size > f.readOffset)) {
                return false;
            }
        }
        for (TrackedFile f : files.values()) {
            if (!f.assembler.flushAll()) {
                return true;
            }
            f.tracker.seal();
        }
        return true;
    }

    private boolean read(TrackedFile f) {
        if (f.after != null) {
            if (files.get(f.after.identity.inodeKey()) == f.after && !caughtUp(f.after)) {
                return false;
            }
            log.debug("{} was read to its end; reading {}", f.after.path, f.path);
            f.after = null;
        }
        if (f.channel == null) {
            if (f.size <= f.readOffset || !open(f)) {
                return false;
            }
        }
        int budget = READ_BUDGET;
        boolean progress = false;
        while (budget > 0) {
            int n;
            try {
                byteBuffer.clear();
                n = f.channel.read(byteBuffer, f.readOffset);
            } catch (IOException e) {
                complainOnce(f.path, "cannot read " + f.path + ": " + e);
                closeChannel(f);
                return progress;
            }
            if (n <= 0) {
                f.atEof = true;
                f.tracker.seal();
                return progress;
            }
            progress = true;
            f.atEof = false;
            f.activeNanos = System.nanoTime();
            long position = f.readOffset;
            f.readOffset += n;
            if (f.readOffset > f.size) {
                f.size = f.readOffset;
            }
            if (!f.assembler.feed(buffer, 0, n, position)) {
                return false;
            }
            budget -= n;
        }
        return progress;
    }

    private boolean open(TrackedFile f) {
        if (openFiles.get() >= source.maxOpenFiles() && !closeOneIdle()) {
            return false;
        }
        try {
            Path p = Path.of(f.path);
            Map<String, Object> attrs = Files.readAttributes(p, "unix:dev,ino");
            if (((Number) attrs.get("dev")).longValue() != f.identity.device()
                    || ((Number) attrs.get("ino")).longValue() != f.identity.inode()) {
                f.size = f.readOffset;
                return false;
            }
            FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
            if (!f.identity.matches(ch)) {
                ch.close();
                // The inode now holds another file (deleted and reused while this one was closed).
                release(f, "its first bytes changed while it was closed: another file now has this inode", false);
                return false;
            }
            f.channel = ch;
            openFiles.incrementAndGet();
            return true;
        } catch (IOException e) {
            f.size = f.readOffset;
            return false;
        }
    }

    private boolean closeOneIdle() {
        TrackedFile oldest = null;
        for (TrackedFile f : files.values()) {
            if (f.channel != null && (f.atEof || f.after != null) && (oldest == null || f.activeNanos < oldest.activeNanos)) {
                oldest = f;
            }
        }
        if (oldest == null) {
            return false;
        }
        closeChannel(oldest);
        return true;
    }

    private void closeChannel(TrackedFile f) {
        if (f.channel != null) {
            try {
                f.channel.close();
            } catch (IOException ignored) {
                // Closing a read-only channel loses nothing.
            }
            f.channel = null;
            openFiles.decrementAndGet();
        }
    }

    private void housekeeping(long now) {
        for (TrackedFile f : new ArrayList<>(files.values())) {
            if (source.multiline() != null && !f.assembler.flushIdle(now)) {
                return;
            }
            boolean idle = now - f.activeNanos >= source.closeInactive().toNanos();
            if (f.detachedNanos >= 0) {
                long grace = source.closeRemovedAfter().toNanos();
                if ((f.atEof || f.channel == null) && now - f.detachedNanos >= grace && now - f.activeNanos >= grace) {
                    release(f, "removed or renamed away, read to its end");
                }
            } else if (f.channel != null && f.atEof && idle) {
                log.debug("closing inactive {}", f.path);
                closeChannel(f);
            }
        }
    }

    private void release(TrackedFile f, String why) {
        release(f, why, true);
    }

    private void release(TrackedFile f, String why, boolean flush) {
        log.info("releasing {} ({}) at offset {}: {}", f.path, f.identity.id(), f.readOffset, why);
        if (flush && (f.atEof || f.channel == null)) {
            f.assembler.flushAll();
        }
        f.tracker.seal();
        closeChannel(f);
        checkpoints.release(source.name(), f.identity);
        metrics.remove(f.lagMeter);
        files.remove(f.identity.inodeKey());
    }

    private record Candidate(Path path, long device, long inode, long size) {
        String key() {
            return device + ":" + inode;
        }
    }

    private void scan(boolean first) {
        List<Path> paths = new ArrayList<>();
        for (Glob g : globs) {
            g.collect(paths);
        }
        Map<String, Candidate> found = new LinkedHashMap<>();
        for (Path p : new LinkedHashSet<>(paths)) {
            if (excluded(p)) {
                continue;
            }
            try {
                Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,size,isRegularFile");
                if (!(Boolean) a.get("isRegularFile")) {
                    complainOnce(p.toString(), "skipping " + p + ": not a regular file");
                    continue;
                }
                Candidate c = new Candidate(p, ((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(),
                        ((Number) a.get("size")).longValue());
                found.putIfAbsent(c.key(), c);
            } catch (NoSuchFileException e) {
                if (Files.isSymbolicLink(p)) {
                    complainOnce(p.toString(), "skipping " + p + ": broken symbolic link");
                }
            } catch (IOException e) {
                complainOnce(p.toString(), "cannot inspect " + p + ": " + e);
            }
        }
        long now = System.nanoTime();
        for (TrackedFile f : new ArrayList<>(files.values())) {
            Candidate c = found.get(f.identity.inodeKey());
            if (c == null) {
                if (f.detachedNanos < 0) {
                    f.detachedNanos = now;
                }
                continue;
            }
            f.detachedNanos = -1;
            if (!c.path().toString().equals(f.path)) {
                log.info("{} is now {}", f.path, c.path());
                if (f.formerPath == null) {
                    f.formerPath = f.path;
                }
                f.path = c.path().toString();
                f.assembler.path(f.path);
            }
            if (c.size() < f.readOffset) {
                long unsent = f.assembler.heldBackFrom();
                truncatedOffsets.put(fingerprintKey(f.identity.fingerprintLength(), f.identity.fingerprint()),
                        unsent >= 0 ? unsent : f.readOffset);
                while (truncatedOffsets.size() > 64) {
                    truncatedOffsets.remove(truncatedOffsets.keySet().iterator().next());
                }
                release(f, "truncated to " + c.size() + " bytes (copytruncate?); reading it again from the start", false);
                continue;
            }
            f.size = c.size();
            if (f.channel != null) {
                try {
                    if (!f.identity.matches(f.channel)) {
                        release(f, "its first bytes changed: another file now has this inode, or it was rewritten");
                        continue;
                    }
                } catch (IOException e) {
                    complainOnce(f.path, "cannot read " + f.path + ": " + e);
                }
            }
            found.remove(c.key());
        }
        List<TrackedFile> discovered = new ArrayList<>();
        for (Candidate c : found.values()) {
            TrackedFile f = discover(c, first);
            if (f != null) {
                discovered.add(f);
            }
        }
        for (TrackedFile f : discovered) {
            f.after = rotatedAwayFrom(f);
            if (f.after != null) {
                log.info("{} replaced {} (now {}), which is read to its end first", f.path, f.after.formerPath != null
                        ? f.after.formerPath : f.after.path, f.after.path);
            }
        }
    }

    /** A file that left {@code f}'s path (renamed or removed) and still has bytes to read, or null. */
    private TrackedFile rotatedAwayFrom(TrackedFile f) {
        for (TrackedFile g : files.values()) {
            boolean left = f.path.equals(g.formerPath) || (g.detachedNanos >= 0 && f.path.equals(g.path));
            if (g != f && g.after != f && left && !caughtUp(g)) {
                return g;
            }
        }
        return null;
    }

    /** Nothing known to be unread: read up to the size last seen. */
    private static boolean caughtUp(TrackedFile f) {
        return f.readOffset >= f.size;
    }

    private boolean excluded(Path p) {
        for (PathMatcher m : excludes) {
            if (m.matches(p)) {
                return true;
            }
        }
        return false;
    }

    private static String fingerprintKey(int length, String fingerprint) {
        return length + ":" + fingerprint;
    }

    /** Starts following a file found by the scan; returns it, or null when it is not followed (yet). */
    private TrackedFile discover(Candidate c, boolean first) {
        if (c.size() == 0) {
            return null;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(c.path(), StandardOpenOption.READ);
        } catch (AccessDeniedException e) {
            complainOnce(c.path().toString(), "cannot read " + c.path() + ": permission denied; it is skipped until readable");
            return null;
        } catch (IOException e) {
            complainOnce(c.path().toString(), "cannot open " + c.path() + ": " + e);
            return null;
        }
        boolean keep = false;
        try {
            int known = checkpoints.fingerprintLength(source.name(), c.device(), c.inode());
            int fpLength = known > 0 && c.size() >= known ? known : (int) Math.min(source.fingerprintBytes(), c.size());
            String fp = FileIdentity.fingerprint(ch, fpLength);
            if (fp == null) {
                return null;
            }
            FileIdentity identity = new FileIdentity(c.device(), c.inode(), fpLength, fp);
            String savedPath = checkpoints.path(source.name(), identity);
            long start = startOffset(c, identity, first);
            TrackedFile f = new TrackedFile(identity, c.path().toString(), ch, start, c.size());
            if (savedPath != null && !savedPath.equals(f.path)) {
                f.formerPath = savedPath;
            }
            openFiles.incrementAndGet();
            keep = true;
            files.put(identity.inodeKey(), f);
            checkpoints.track(source.name(), identity, f.formerPath != null ? f.formerPath : f.path, f.tracker);
            complained.remove(f.path);
            log.info("following {} ({}) from offset {}", f.path, identity.id(), start);
            if (openFiles.get() > source.maxOpenFiles()) {
                closeChannel(f);
            }
            return f;
        } catch (IOException e) {
            complainOnce(c.path().toString(), "cannot read " + c.path() + ": " + e);
            return null;
        } finally {
            if (!keep) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing was read from it
                }
            }
        }
    }

    private long startOffset(Candidate c, FileIdentity identity, boolean first) {
        long saved = checkpoints.offset(source.name(), identity);
        if (saved >= 0) {
            if (saved > c.size()) {
                log.info("{} is smaller ({} bytes) than its checkpoint ({}): it was truncated, reading from the start",
                        c.path(), c.size(), saved);
                return 0;
            }
            return saved;
        }
        Long copied = truncatedOffsets.remove(fingerprintKey(identity.fingerprintLength(), identity.fingerprint()));
        if (copied != null) {
            log.info("{} starts like a file that was just truncated: taking it as the copy (copytruncate) and "
                    + "continuing at offset {}", c.path(), copied);
            return copied;
        }
        return first && source.startAtEnd() ? c.size() : 0;
    }

    private void complainOnce(String path, String message) {
        if (complained.add(path)) {
            log.warn("source '{}': {}", source.name(), message);
        }
    }
}
