package io.polybus.agent.internal.file;

import io.polybus.agent.Source;
import io.polybus.agent.SourceContext;
import io.polybus.agent.internal.AgentMetrics;
import io.polybus.agent.internal.CheckpointStore;
import io.polybus.agent.internal.LineAssembler;
import io.polybus.agent.internal.SourcePipeline;
import io.polybus.events.Origin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Tails the files of one {@code file} source on its own thread: finds them ({@link FileDiscovery}, again every
 * scan interval), follows them across rename and copytruncate rotation, and reads their bytes ({@link TrackedFile})
 * into the source's context. At most {@code max-open-files} are open at once; inactive files are closed and
 * reopened when they grow; files removed or renamed away are read to their end, then released.
 *
 * <p>Rotation keeps order: a new file at a path that another file was renamed (or removed) away from is read
 * only once that older file has been read to its end, whether the rename happened while the agent ran or while
 * it was stopped (the checkpoint remembers the path each file was found at).
 */
final class FileSource implements Source {
    private static final Logger log = LoggerFactory.getLogger(FileSource.class);
    private static final int READ_BUFFER = 256 * 1024;
    private static final int READ_BUDGET = 4 * 1024 * 1024;
    private static final long IDLE_PARK_NANOS = 50_000_000L;

    private final String name;
    private final FileSettings settings;
    private final FileDiscovery discovery;
    private final Map<String, TrackedFile> files = new LinkedHashMap<>();
    private final Map<String, Long> truncatedOffsets = new LinkedHashMap<>();
    private final byte[] buffer = new byte[READ_BUFFER];
    private final ByteBuffer byteBuffer = ByteBuffer.wrap(buffer);
    private final AtomicInteger openFiles = new AtomicInteger();
    private volatile Thread thread;
    private SourcePipeline context;
    private CheckpointStore checkpoints;
    private AgentMetrics metrics;

    FileSource(String name, FileSettings settings) {
        this.name = name;
        this.settings = settings;
        this.discovery = new FileDiscovery(name, settings.paths(), settings.exclude());
    }

    @Override
    public void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run(SourceContext sourceContext) {
        // A file source checkpoints: it runs on the agent's own pipeline, whose checkpoint store it uses.
        context = (SourcePipeline) sourceContext;
        checkpoints = context.checkpoints();
        metrics = context.metrics();
        metrics.gauge("files.open", "files of the source held open", openFiles::get, "source", name);
        thread = Thread.currentThread();
        long scanNanos = settings.scanInterval().toNanos();
        long nextScan = System.nanoTime();
        boolean first = true;
        try {
            while (!context.stopping()) {
                long now = System.nanoTime();
                if (now - nextScan >= 0) {
                    scan(first);
                    first = false;
                    nextScan = now + scanNanos;
                }
                boolean progress = false;
                for (TrackedFile f : new ArrayList<>(files.values())) {
                    TrackedFile.ReadResult r = read(f);
                    if (r == TrackedFile.ReadResult.STOPPED) {
                        return;
                    }
                    progress |= r == TrackedFile.ReadResult.PROGRESS;
                    if (context.stopping()) {
                        break;
                    }
                }
                housekeeping(System.nanoTime());
                if (!context.flush()) {
                    break;
                }
                if (!progress) {
                    if (context.once() && finishOnce()) {
                        break;
                    }
                    long wait = Math.min(IDLE_PARK_NANOS, Math.max(1, nextScan - System.nanoTime()));
                    LockSupport.parkNanos(this, wait);
                }
            }
        } finally {
            context.flush();
            for (TrackedFile f : files.values()) {
                f.progress.seal();
                closeChannel(f);
            }
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
            f.progress.seal();
        }
        return true;
    }

    private TrackedFile.ReadResult read(TrackedFile f) {
        if (f.after != null) {
            if (files.get(f.after.identity.inodeKey()) == f.after && !f.after.caughtUp()) {
                return TrackedFile.ReadResult.NOTHING;
            }
            log.debug("{} was read to its end; reading {}", f.after.path, f.path);
            f.after = null;
        }
        if (f.channel == null && (f.size <= f.readOffset || !open(f))) {
            return TrackedFile.ReadResult.NOTHING;
        }
        try {
            return f.read(buffer, byteBuffer, READ_BUDGET);
        } catch (IOException e) {
            discovery.complainOnce(f.path, "cannot read " + f.path + ": " + e);
            closeChannel(f);
            return TrackedFile.ReadResult.NOTHING;
        }
    }

    private boolean open(TrackedFile f) {
        if (openFiles.get() >= settings.maxOpenFiles() && !closeOneIdle()) {
            return false;
        }
        switch (f.reopen()) {
            case OPENED -> {
                openFiles.incrementAndGet();
                return true;
            }
            case REPLACED -> {
                // The inode now holds another file (deleted and reused while this one was closed).
                release(f, "its first bytes changed while it was closed: another file now has this inode", false);
                return false;
            }
            default -> {
                return false;
            }
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
        if (f.closeChannel()) {
            openFiles.decrementAndGet();
        }
    }

    private void housekeeping(long now) {
        for (TrackedFile f : new ArrayList<>(files.values())) {
            if (settings.lines().multiline() != null && !f.assembler.flushIdle(now)) {
                return;
            }
            boolean idle = now - f.activeNanos >= settings.closeInactive().toNanos();
            if (f.detachedNanos >= 0) {
                long grace = settings.closeRemovedAfter().toNanos();
                if ((f.atEof || f.channel == null) && now - f.detachedNanos >= grace && now - f.activeNanos >= grace) {
                    release(f, "removed or renamed away, read to its end", true);
                }
            } else if (f.channel != null && f.atEof && idle) {
                log.debug("closing inactive {}", f.path);
                closeChannel(f);
            }
        }
    }

    private void release(TrackedFile f, String why, boolean flush) {
        log.info("releasing {} ({}) at offset {}: {}", f.path, f.identity.id(), f.readOffset, why);
        if (flush && (f.atEof || f.channel == null)) {
            f.assembler.flushAll();
        }
        f.progress.seal();
        closeChannel(f);
        checkpoints.release(name, f.identity);
        metrics.remove(f.lagMeter);
        files.remove(f.identity.inodeKey());
    }

    private void scan(boolean first) {
        Map<String, FileDiscovery.Candidate> found = discovery.scan();
        long now = System.nanoTime();
        for (TrackedFile f : new ArrayList<>(files.values())) {
            FileDiscovery.Candidate c = found.get(f.identity.inodeKey());
            if (c == null) {
                if (f.detachedNanos < 0) {
                    f.detachedNanos = now;
                }
                continue;
            }
            f.detachedNanos = -1;
            if (!c.path().toString().equals(f.path)) {
                log.info("{} is now {}", f.path, c.path());
                f.renamed(c.path().toString());
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
                        release(f, "its first bytes changed: another file now has this inode, or it was rewritten", true);
                        continue;
                    }
                } catch (IOException e) {
                    discovery.complainOnce(f.path, "cannot read " + f.path + ": " + e);
                }
            }
            found.remove(c.key());
        }
        List<TrackedFile> discovered = new ArrayList<>();
        for (FileDiscovery.Candidate c : found.values()) {
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
            if (g != f && g.after != f && left && !g.caughtUp()) {
                return g;
            }
        }
        return null;
    }

    private static String fingerprintKey(int length, String fingerprint) {
        return length + ":" + fingerprint;
    }

    /** Starts following a file found by the scan; returns it, or null when it is not followed (yet). */
    private TrackedFile discover(FileDiscovery.Candidate c, boolean first) {
        if (c.size() == 0) {
            return null;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(c.path(), StandardOpenOption.READ);
        } catch (AccessDeniedException e) {
            discovery.complainOnce(c.path().toString(), "cannot read " + c.path() + ": permission denied; it is skipped until readable");
            return null;
        } catch (IOException e) {
            discovery.complainOnce(c.path().toString(), "cannot open " + c.path() + ": " + e);
            return null;
        }
        boolean keep = false;
        try {
            int known = checkpoints.fingerprintLength(name, c.device(), c.inode());
            int fpLength = known > 0 && c.size() >= known ? known : (int) Math.min(settings.fingerprintBytes(), c.size());
            String fp = FileIdentity.fingerprint(ch, fpLength);
            if (fp == null) {
                return null;
            }
            FileIdentity identity = new FileIdentity(c.device(), c.inode(), fpLength, fp);
            String savedPath = checkpoints.path(name, identity);
            long start = startOffset(c, identity, first);
            String path = c.path().toString();
            var progress = context.newInput(start);
            LineAssembler assembler = new LineAssembler(settings.lines(), context, progress, Origin.file(path, identity.id()));
            TrackedFile f = new TrackedFile(identity, path, ch, start, c.size(), progress, assembler);
            f.lagMeter = metrics.fileLag(name, path, f::lag);
            if (savedPath != null && !savedPath.equals(f.path)) {
                f.formerPath = savedPath;
            }
            openFiles.incrementAndGet();
            keep = true;
            files.put(identity.inodeKey(), f);
            checkpoints.track(name, identity, f.formerPath != null ? f.formerPath : f.path, progress);
            discovery.resolved(f.path);
            log.info("following {} ({}) from offset {}", f.path, identity.id(), start);
            if (openFiles.get() > settings.maxOpenFiles()) {
                closeChannel(f);
            }
            return f;
        } catch (IOException e) {
            discovery.complainOnce(c.path().toString(), "cannot read " + c.path() + ": " + e);
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

    private long startOffset(FileDiscovery.Candidate c, FileIdentity identity, boolean first) {
        long saved = checkpoints.offset(name, identity);
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
        return first && settings.startAtEnd() ? c.size() : 0;
    }
}
