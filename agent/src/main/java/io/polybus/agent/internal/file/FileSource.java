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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>One identity per line: a file that starts like a followed file is its copy, and is read only once the
 * followed file is truncated or rewritten (copytruncate); it then goes on from where the followed file was read
 * up to, under its {@code file_id}, whether the truncation happened while the agent ran or while it was stopped.
 * What a truncated file holds afterwards is a new file, read from its start under a new identity. Every read is
 * checked (size and first bytes) before its bytes are used, so no line joins bytes from before and after a
 * truncation.
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
    /** Files truncated while no copy of them was found, by fingerprint: a copy found later goes on from there. */
    private final Map<String, Continued> truncated = new LinkedHashMap<>();
    /** Copies of followed files already logged as such. */
    private final Set<String> copiesSeen = new HashSet<>();
    private final byte[] buffer = new byte[READ_BUFFER];
    private final ByteBuffer byteBuffer = ByteBuffer.wrap(buffer);
    private final AtomicInteger openFiles = new AtomicInteger();
    private volatile Thread thread;
    private SourcePipeline context;
    private boolean scanNow;
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
                if (now - nextScan >= 0 || scanNow) {
                    scanNow = false;
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
        if (f.replaced) {
            return TrackedFile.ReadResult.NOTHING;
        }
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
            TrackedFile.ReadResult r = f.read(buffer, byteBuffer, READ_BUDGET);
            if (r == TrackedFile.ReadResult.REPLACED) {
                log.info("{} no longer continues what was read up to offset {} (truncated or rewritten)", f.path, f.readOffset);
                scanNow = true;
                return TrackedFile.ReadResult.NOTHING;
            }
            return r;
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
                // Truncated, rewritten, or deleted and its inode reused while it was closed: the next scan decides.
                f.replaced = true;
                scanNow = true;
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
        log.info("releasing {} ({}) at offset {}: {}", f.path, f.fileId, f.readOffset, why);
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
            if (f.replaced || c != null && (c.size() < f.readOffset || headChanged(f))) {
                truncated(f, found);
                continue;
            }
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
            f.size = c.size();
            found.remove(c.key());
        }
        List<FileDiscovery.Candidate> fresh = new ArrayList<>(found.values());
        // Files whose inode has no checkpoint first: a copy made while the agent was stopped is matched with the
        // checkpoint of the file it copies before that file's inode, now holding new content, takes the entry over.
        fresh.sort(Comparator.comparing(c -> checkpoints.fingerprintLength(name, c.device(), c.inode()) >= 0));
        List<TrackedFile> discovered = new ArrayList<>();
        for (FileDiscovery.Candidate c : fresh) {
            TrackedFile f = discover(c, first, found);
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

    /** Whether the open file no longer starts with the bytes it was found with. */
    private boolean headChanged(TrackedFile f) {
        if (f.channel == null) {
            return false;
        }
        try {
            return !f.sameHead(f.channel);
        } catch (IOException e) {
            discovery.complainOnce(f.path, "cannot read " + f.path + ": " + e);
            return false;
        }
    }

    /** Where a copy goes on from: the {@code file_id}, offset and path of the file it copies. */
    private record Continued(String fileId, long offset, String path) {
        static final Continued DEFER = new Continued(null, -1, null);
    }

    /**
     * {@code f} was truncated or rewritten: its copy, when the scan found one, goes on where {@code f} was read up
     * to; otherwise the line it was in the middle of is dropped (counted and logged) and {@code f} is released.
     * What its inode holds now is found again by the scan as a new file.
     */
    private void truncated(TrackedFile f, Map<String, FileDiscovery.Candidate> found) {
        FileDiscovery.Candidate copy = findCopy(f, found);
        if (copy != null) {
            found.remove(copy.key());
            if (handOver(f, copy)) {
                return;
            }
        }
        int dropped = f.assembler.abandon();
        long resume = f.readOffset - dropped;
        if (dropped > 0) {
            context.lineCutOff();
            log.warn("source '{}': {} was truncated in the middle of a line ({} bytes read from offset {}) and no copy "
                    + "of it was found: that line is dropped", name, f.path, dropped, resume);
        }
        truncated.put(fingerprintKey(f.identity.fingerprintLength(), f.identity.fingerprint()),
                new Continued(f.fileId, resume, f.formerPath != null ? f.formerPath : f.path));
        while (truncated.size() > 64) {
            truncated.remove(truncated.keySet().iterator().next());
        }
        release(f, "truncated or rewritten; what it holds now is read as a new file", false);
    }

    /** A file of the scan, not followed, that starts like {@code f}: its copy. */
    private FileDiscovery.Candidate findCopy(TrackedFile f, Map<String, FileDiscovery.Candidate> found) {
        for (FileDiscovery.Candidate c : found.values()) {
            if (c.key().equals(f.identity.inodeKey()) || files.containsKey(c.key()) || c.size() < f.identity.fingerprintLength()) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(c.path(), StandardOpenOption.READ)) {
                if (f.sameHead(ch)) {
                    return c;
                }
            } catch (IOException e) {
                discovery.complainOnce(c.path().toString(), "cannot read " + c.path() + ": " + e);
            }
        }
        return null;
    }

    /** The copy {@code c} of the truncated {@code f} goes on with its events: same assembler, offsets and file_id. */
    private boolean handOver(TrackedFile f, FileDiscovery.Candidate c) {
        FileChannel ch;
        try {
            ch = FileChannel.open(c.path(), StandardOpenOption.READ);
        } catch (IOException e) {
            discovery.complainOnce(c.path().toString(), "cannot open " + c.path() + ": " + e);
            return false;
        }
        String path = c.path().toString();
        FileIdentity identity = new FileIdentity(c.device(), c.inode(), f.identity.fingerprintLength(), f.identity.fingerprint());
        TrackedFile g = new TrackedFile(identity, f.fileId, f.head(), path, ch, f.readOffset, c.size(), f.progress, f.assembler);
        g.formerPath = f.formerPath != null ? f.formerPath : f.path;
        g.after = f.after;
        closeChannel(f);
        metrics.remove(f.lagMeter);
        files.remove(f.identity.inodeKey());
        for (TrackedFile h : files.values()) {
            if (h.after == f) {
                h.after = g;
            }
        }
        f.assembler.origin(Origin.file(path, f.fileId));
        g.lagMeter = metrics.fileLag(name, path, g::lag);
        openFiles.incrementAndGet();
        files.put(identity.inodeKey(), g);
        checkpoints.moved(name, f.identity, identity, g.formerPath);
        log.info("{} was truncated (copytruncate): its copy {} goes on from offset {} as {}", f.path, path, f.readOffset, f.fileId);
        if (openFiles.get() > settings.maxOpenFiles()) {
            closeChannel(g);
        }
        return true;
    }

    /**
     * Where a new file without a checkpoint of its own goes on from when it is the copy of another file: null when
     * it is not a copy, {@link Continued#DEFER} when it is the copy of a file still intact (it is not read then).
     */
    private Continued copied(FileDiscovery.Candidate c, FileChannel ch, Map<String, FileDiscovery.Candidate> found)
            throws IOException {
        Map<Integer, String> fingerprints = new HashMap<>();
        for (TrackedFile g : files.values()) {
            if (!g.replaced && !g.identity.inodeKey().equals(c.key())
                    && g.identity.fingerprint().equals(fingerprintAt(ch, c.size(), g.identity.fingerprintLength(), fingerprints))) {
                if (copiesSeen.add(c.key()) && copiesSeen.size() < 1024) {
                    log.info("{} starts like {}: it is taken as its copy, read only if {} is truncated (copytruncate)",
                            c.path(), g.path, g.path);
                }
                return Continued.DEFER;
            }
        }
        var it = truncated.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            int length = Integer.parseInt(e.getKey().substring(0, e.getKey().indexOf(':')));
            if (e.getKey().equals(fingerprintKey(length, fingerprintAt(ch, c.size(), length, fingerprints)))) {
                it.remove();
                return e.getValue();
            }
        }
        for (CheckpointStore.Saved s : checkpoints.saved(name)) {
            FileIdentity id = s.identity();
            if (id.inodeKey().equals(c.key()) || !id.fingerprint().equals(fingerprintAt(ch, c.size(), id.fingerprintLength(), fingerprints))) {
                continue;
            }
            FileDiscovery.Candidate original = found.get(id.inodeKey());
            if (original != null) {
                // The original still there with other bytes (or fewer than were read): truncated while the agent was stopped.
                return startsAlike(original, id) && original.size() >= s.offset() ? Continued.DEFER
                        : new Continued(s.fileId(), s.offset(), s.path());
            }
        }
        return null;
    }

    private static String fingerprintAt(FileChannel ch, long size, int length, Map<Integer, String> cache) throws IOException {
        if (size < length) {
            return null;
        }
        String fp = cache.get(length);
        if (fp == null) {
            fp = FileIdentity.fingerprint(ch, length);
            cache.put(length, fp);
        }
        return fp;
    }

    private boolean startsAlike(FileDiscovery.Candidate c, FileIdentity identity) {
        try (FileChannel ch = FileChannel.open(c.path(), StandardOpenOption.READ)) {
            return identity.fingerprint().equals(FileIdentity.fingerprint(ch, identity.fingerprintLength()));
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts following a file found by the scan; returns it, or null when it is not followed (yet). */
    private TrackedFile discover(FileDiscovery.Candidate c, boolean first, Map<String, FileDiscovery.Candidate> found) {
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
            byte[] head = FileIdentity.head(ch, fpLength);
            if (head == null) {
                return null;
            }
            FileIdentity identity = new FileIdentity(c.device(), c.inode(), fpLength, FileIdentity.hash(head, fpLength));
            String path = c.path().toString();
            CheckpointStore.Saved saved = checkpoints.saved(name, identity);
            Continued from = saved == null ? copied(c, ch, found) : null;
            if (from == Continued.DEFER) {
                return null;
            }
            long start;
            String fileId = identity.id();
            String formerPath = null;
            if (saved != null) {
                start = resumeOffset(c, saved);
                fileId = saved.fileId();
                formerPath = saved.path();
            } else if (from != null) {
                log.info("{} starts like {}, truncated: it is its copy (copytruncate) and goes on from offset {} as {}",
                        path, from.path(), from.offset(), from.fileId());
                start = from.offset();
                fileId = from.fileId();
                formerPath = from.path();
            } else {
                start = first && settings.startAtEnd() ? c.size() : 0;
            }
            var progress = context.newInput(start);
            LineAssembler assembler = new LineAssembler(settings.lines(), context, progress, Origin.file(path, fileId));
            TrackedFile f = new TrackedFile(identity, fileId, head, path, ch, start, c.size(), progress, assembler);
            f.lagMeter = metrics.fileLag(name, path, f::lag);
            if (formerPath != null && !formerPath.isEmpty() && !formerPath.equals(f.path)) {
                f.formerPath = formerPath;
            }
            copiesSeen.remove(c.key());
            openFiles.incrementAndGet();
            keep = true;
            files.put(identity.inodeKey(), f);
            checkpoints.track(name, identity, fileId, f.formerPath != null ? f.formerPath : f.path, progress);
            discovery.resolved(f.path);
            log.info("following {} ({}) from offset {}", f.path, fileId, start);
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

    private static long resumeOffset(FileDiscovery.Candidate c, CheckpointStore.Saved saved) {
        if (saved.offset() > c.size()) {
            log.info("{} is smaller ({} bytes) than its checkpoint ({}): it was truncated, reading from the start",
                    c.path(), c.size(), saved.offset());
            return 0;
        }
        return saved.offset();
    }
}
