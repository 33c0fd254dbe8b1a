package io.polybus.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code internal} means internal: no main source of a module imports another module's {@code internal} package,
 * and a package {@code X.internal} is imported only from {@code X} and the packages below it. Read from the
 * sources of every module of the checkout (this module depends on all of them).
 */
class ModuleBoundariesTest {
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)\\s*;", Pattern.MULTILINE);

    private record Source(Path file, String module, String pkg, String text) {
    }

    private static List<Source> mainSources() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<Source> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/")
                            && !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
                    .forEach(p -> {
                        try {
                            String text = Files.readString(p);
                            Matcher m = PACKAGE.matcher(text);
                            String module = root.relativize(p).toString().split("/src/main/java/")[0];
                            out.add(new Source(p, module, m.find() ? m.group(1) : "", text));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
        return out;
    }

    @Test
    void noModuleImportsAnotherModulesInternals() throws IOException {
        List<Source> sources = mainSources();
        Map<String, Set<String>> owners = new HashMap<>();
        sources.forEach(s -> owners.computeIfAbsent(s.pkg(), k -> new HashSet<>()).add(s.module()));
        List<String> bad = new ArrayList<>();
        for (Source s : sources) {
            Matcher m = IMPORT.matcher(s.text());
            while (m.find()) {
                String imported = m.group(1);
                int at = imported.indexOf(".internal");
                if (at < 0 || !imported.startsWith("io.polybus.")) {
                    continue;
                }
                String internal = imported.substring(0, at + ".internal".length());
                String owner = internal.substring(0, at);
                Set<String> modules = new HashSet<>();
                owners.forEach((pkg, mods) -> {
                    if (pkg.equals(internal) || pkg.startsWith(internal + ".")) {
                        modules.addAll(mods);
                    }
                });
                boolean sameModule = modules.isEmpty() || modules.contains(s.module());
                boolean below = s.pkg().equals(owner) || s.pkg().startsWith(owner + ".");
                if (!sameModule || !below) {
                    bad.add(s.module() + ": " + s.file().getFileName() + " imports " + imported);
                }
            }
        }
        assertTrue(sources.size() > 100, "read the sources of every module: " + sources.size());
        assertEquals(List.of(), bad, "imports of another module's or package's internal");
    }

    @Test
    void everyPublicPackageSaysWhatItIs() throws IOException {
        Set<String> publicPackages = new HashSet<>();
        Set<String> documented = new HashSet<>();
        for (Source s : mainSources()) {
            if (!s.pkg().contains(".internal")) {
                publicPackages.add(s.module() + " " + s.pkg());
                if (s.file().getFileName().toString().equals("package-info.java")) {
                    documented.add(s.module() + " " + s.pkg());
                }
            }
        }
        publicPackages.removeAll(documented);
        assertEquals(Set.of(), publicPackages, "public packages without a package-info.java");
    }
}
