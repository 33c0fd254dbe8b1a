package io.polybus.agent.internal.file;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * A path pattern: {@code *}, {@code ?}, {@code [..]} and {@code {a,b}} within a name, {@code **} across
 * directories (zero or more). Relative patterns are relative to the working directory. An exclude pattern
 * without a slash matches file names, otherwise whole paths.
 */
final class Glob {
    private final Path base;
    private final int maxDepth;
    private final List<PathMatcher> matchers = new ArrayList<>();

    private Glob(Path base, int maxDepth, List<String> patterns) {
        this.base = base;
        this.maxDepth = maxDepth;
        for (String p : patterns) {
            matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + p));
        }
    }

    static Glob of(String pattern) {
        String abs = Path.of(pattern).toAbsolutePath().normalize().toString();
        String[] parts = abs.split("/");
        StringBuilder base = new StringBuilder();
        int i = 0;
        for (; i < parts.length; i++) {
            if (hasGlob(parts[i])) {
                break;
            }
            if (!parts[i].isEmpty()) {
                base.append('/').append(parts[i]);
            }
        }
        int depth = abs.contains("**") ? Integer.MAX_VALUE : Math.max(0, parts.length - i);
        List<String> patterns = new ArrayList<>();
        patterns.add(abs);
        String zeroDirs = abs;
        while (zeroDirs.contains("/**/")) {
            zeroDirs = zeroDirs.replaceFirst("/\\*\\*/", "/");
            patterns.add(zeroDirs);
        }
        return new Glob(Path.of(base.length() == 0 ? "/" : base.toString()), depth, patterns);
    }

    static PathMatcher exclude(String pattern) {
        if (pattern.indexOf('/') < 0) {
            PathMatcher name = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            return p -> p.getFileName() != null && name.matches(p.getFileName());
        }
        String abs = pattern.startsWith("/") || pattern.startsWith("**") ? pattern : Path.of(pattern).toAbsolutePath().toString();
        return FileSystems.getDefault().getPathMatcher("glob:" + abs);
    }

    private static boolean hasGlob(String segment) {
        for (char c : segment.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == '{') {
                return true;
            }
        }
        return false;
    }

    private boolean matches(Path p) {
        for (PathMatcher m : matchers) {
            if (m.matches(p)) {
                return true;
            }
        }
        return false;
    }

    /** Adds the matching paths (files, symlinks and special files alike; the caller checks) to {@code out}. */
    void collect(List<Path> out) {
        if (maxDepth == 0) {
            if (Files.exists(base) || Files.isSymbolicLink(base)) {
                out.add(base);
            }
            return;
        }
        if (!Files.isDirectory(base)) {
            return;
        }
        try {
            Files.walkFileTree(base, EnumSet.noneOf(java.nio.file.FileVisitOption.class), maxDepth, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (matches(file)) {
                        out.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // A directory that vanished while walked: the next scan sees the new state.
        }
    }
}
