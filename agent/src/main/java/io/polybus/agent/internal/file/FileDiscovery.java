package io.polybus.agent.internal.file;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which files a {@code file} source's patterns match right now: regular files only, excludes applied, each
 * inode once. What cannot be used (a directory, a broken link, an unreadable file) and a pattern that matches
 * nothing are logged once per path or pattern until it changes. Not thread-safe: the source's thread.
 */
final class FileDiscovery {
    private static final Logger log = LoggerFactory.getLogger(FileDiscovery.class);

    /** A file a scan found. */
    record Candidate(Path path, long device, long inode, long size) {
        String key() {
            return device + ":" + inode;
        }
    }

    private final String source;
    private final List<Glob> globs = new ArrayList<>();
    private final List<String> patterns;
    private final List<PathMatcher> excludes = new ArrayList<>();
    private final Set<String> complained = new HashSet<>();

    FileDiscovery(String source, List<String> paths, List<String> exclude) {
        this.source = source;
        this.patterns = List.copyOf(paths);
        paths.forEach(p -> globs.add(Glob.of(p)));
        exclude.forEach(p -> excludes.add(Glob.exclude(p)));
    }

    /** The matching files, by {@code device:inode}, in pattern order. */
    Map<String, Candidate> scan() {
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < globs.size(); i++) {
            int before = paths.size();
            globs.get(i).collect(paths);
            String pattern = patterns.get(i);
            if (paths.size() == before) {
                complainOnce("paths:" + pattern, "'" + pattern + "' matches no file (yet): a typo? Files that appear "
                        + "later are picked up");
            } else {
                resolved("paths:" + pattern);
            }
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
        return found;
    }

    private boolean excluded(Path p) {
        for (PathMatcher m : excludes) {
            if (m.matches(p)) {
                return true;
            }
        }
        return false;
    }

    /** Logs {@code message} once for {@code path}, until {@link #resolved} is called for it. */
    void complainOnce(String path, String message) {
        if (complained.add(path)) {
            log.warn("source '{}': {}", source, message);
        }
    }

    /** {@code path} is usable again: a later problem with it is logged again. */
    void resolved(String path) {
        complained.remove(path);
    }
}
