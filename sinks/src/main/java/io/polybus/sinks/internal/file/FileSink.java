package io.polybus.sinks.internal.file;

import com.github.luben.zstd.ZstdOutputStream;
import io.polybus.events.FieldSource;
import io.polybus.events.JsonEvent;
import io.polybus.events.Sink;
import io.polybus.events.Template;
import io.polybus.sinks.internal.LineBreaks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * Appends each event as one line of NDJSON to the file its path template names, as {@code <file>.part} while it is
 * written. Each batch ends a compression frame (a gzip member, a zstd frame: concatenated, they are one valid
 * stream) and is fsynced before {@link #write} returns; a file is renamed to its final name (and its folder fsynced)
 * when it is rolled: at {@code max-file-size} bytes of NDJSON, when it is older than {@code max-file-age} at a write,
 * when more than {@code max-open-files} are open, and on close. A write that fails cuts every open file back to
 * what was made durable, so a retried batch never follows half a frame.
 *
 * <p>Called from one thread at a time.
 */
final class FileSink implements Sink {
    private static final Logger log = LoggerFactory.getLogger(FileSink.class);
    static final String PART = ".part";

    enum Compression { NONE, GZIP, ZSTD }

    private final String name;
    /** The path: time references are the event's time in UTC, the time it is written when it has none. */
    private final Template template;
    private final Compression compression;
    private final int zstdLevel;
    private final long maxFileSize;
    private final Duration maxFileAge;
    private final int maxOpenFiles;
    private final Clock clock;
    /** Open files by rendered path, least recently written first. */
    private final LinkedHashMap<String, OpenFile> open = new LinkedHashMap<>(16, 0.75f, true);
    /** The next sequence number to try per rendered path (bounded: cleared when large). */
    private final Map<String, Integer> nextSequence = new HashMap<>();

    FileSink(String name, Template template, Compression compression, int zstdLevel, long maxFileSize,
             Duration maxFileAge, int maxOpenFiles, Clock clock) {
        this.name = name;
        this.template = template;
        this.compression = compression;
        this.zstdLevel = zstdLevel;
        this.maxFileSize = maxFileSize;
        this.maxFileAge = maxFileAge;
        this.maxOpenFiles = maxOpenFiles;
        this.clock = clock;
    }

    @Override
    public List<Refusal> write(List<Record> records) throws IOException {
        Instant now = clock.instant();
        Set<OpenFile> touched = new LinkedHashSet<>();
        try {
            rollAged(now);
            // Events in a row mostly go to one file: the map is asked only when the path changes.
            String lastPath = null;
            OpenFile f = null;
            for (Record r : records) {
                String path = template.render(safe(r.event()));
                if (f == null || !path.equals(lastPath)) {
                    f = open.get(path);
                    if (f == null) {
                        f = openNew(path, now);
                    }
                    lastPath = path;
                    touched.add(f);
                }
                f.append(line(r));
                if (f.bytes >= maxFileSize) {
                    f.commit();
                    touched.remove(f);
                    roll(f);
                    f = null;
                }
            }
            for (OpenFile t : touched) {
                t.commit();
            }
            while (open.size() > maxOpenFiles) {
                roll(open.values().iterator().next());
            }
            return List.of();
        } catch (IOException | RuntimeException e) {
            cutBack();
            throw e;
        }
    }

    /** The event's values as a path can hold them: one that would leave its folder ({@code /}, {@code ..}) with {@code _}. */
    private static FieldSource safe(JsonEvent event) {
        return path -> {
            Object v = event.get(path);
            if (v == null) {
                return null;
            }
            String s = String.valueOf(v);
            if (s.indexOf('/') >= 0 || s.indexOf('\\') >= 0 || s.indexOf('\0') >= 0) {
                s = s.replace('/', '_').replace('\\', '_').replace('\0', '_');
            }
            return s.equals("..") || s.equals(".") ? "_" : s;
        };
    }

    /** The event's JSON on one line: as it came, unless it spans lines (then as read). */
    private static byte[] line(Record r) {
        byte[] json = r.json();
        return LineBreaks.in(json) ? r.event().json().toString().getBytes(StandardCharsets.UTF_8) : json;
    }

    private void rollAged(Instant now) throws IOException {
        List<OpenFile> aged = new ArrayList<>();
        for (OpenFile f : open.values()) {
            if (!now.isBefore(f.opened.plus(maxFileAge))) {
                aged.add(f);
            }
        }
        for (OpenFile f : aged) {
            roll(f);
        }
    }

    private OpenFile openNew(String rendered, Instant now) throws IOException {
        Path base = Path.of(rendered).toAbsolutePath();
        Path dir = base.getParent();
        Files.createDirectories(dir);
        String file = base.getFileName().toString();
        int dot = file.indexOf('.', 1);
        String stem = dot < 0 ? file : file.substring(0, dot);
        String ext = dot < 0 ? "" : file.substring(dot);
        if (nextSequence.size() > 10_000) {
            nextSequence.clear();
        }
        for (int n = nextSequence.getOrDefault(rendered, 0); ; n++) {
            Path target = n == 0 ? base : dir.resolve(stem + "." + n + ext);
            Path part = target.resolveSibling(target.getFileName() + PART);
            if (Files.exists(target)) {
                continue;
            }
            try {
                FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                nextSequence.put(rendered, n + 1);
                OpenFile f = new OpenFile(part, target, channel, now);
                open.put(rendered, f);
                return f;
            } catch (FileAlreadyExistsException e) {
                // another writer has it: the next name
            }
        }
    }

    /** Renames a file to its final name once what it holds is durable. */
    private void roll(OpenFile f) throws IOException {
        open.values().remove(f);
        f.close();
        Files.move(f.part, f.target, StandardCopyOption.ATOMIC_MOVE);
        fsyncFolder(f.target.getParent());
        log.debug("sink '{}': rolled {}", name, f.target);
    }

    private static void fsyncFolder(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** After a failed write: every open file back to what was made durable; a file that cannot be is left as it is. */
    private void cutBack() {
        for (Iterator<OpenFile> it = open.values().iterator(); it.hasNext(); ) {
            OpenFile f = it.next();
            try {
                f.cutBack();
            } catch (IOException e) {
                log.warn("sink '{}': cannot cut {} back to its last durable length, leaving it as it is: {}", name, f.part, e.toString());
                f.closeQuietly();
                it.remove();
            }
        }
    }

    @Override
    public void close() {
        for (OpenFile f : new ArrayList<>(open.values())) {
            try {
                roll(f);
            } catch (IOException e) {
                log.warn("sink '{}': cannot roll {}: {}", name, f.part, e.toString());
                f.closeQuietly();
            }
        }
        open.clear();
    }

    /** One file being written. */
    private final class OpenFile {
        final Path part;
        final Path target;
        final FileChannel channel;
        final Instant opened;
        BufferedOutputStream out;
        /** The compressing stream of the current frame, or null (no compression, or no frame begun). */
        OutputStream compressor;
        /**
         * Lines not yet handed to the compressor (or the file): copied here, so that the compressor gets large pieces
         * (one native call per piece, not two per line) and a line costs no lock of a buffered stream.
         */
        final byte[] lines = new byte[1 << 17];
        int used;
        long bytes;
        long durable;

        OpenFile(Path part, Path target, FileChannel channel, Instant opened) {
            this.part = part;
            this.target = target;
            this.channel = channel;
            this.opened = opened;
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        }

        void append(byte[] line) throws IOException {
            if (used + line.length + 1 > lines.length) {
                drain();
                if (line.length + 1 > lines.length) {
                    OutputStream o = frame();
                    o.write(line);
                    o.write('\n');
                    bytes += line.length + 1;
                    return;
                }
            }
            System.arraycopy(line, 0, lines, used, line.length);
            used += line.length;
            lines[used++] = '\n';
            bytes += line.length + 1;
        }

        private void drain() throws IOException {
            if (used > 0) {
                frame().write(lines, 0, used);
                used = 0;
            }
        }

        /** Where the lines of the current frame go: the compressor (begun when missing), or straight to the file. */
        private OutputStream frame() throws IOException {
            if (compressor == null && compression != Compression.NONE) {
                OutputStream shield = new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        out.flush();
                    }
                };
                compressor = compression == Compression.GZIP ? new GZIPOutputStream(shield, 1 << 16)
                        : new ZstdOutputStream(shield, zstdLevel).setCloseFrameOnFlush(true);
            }
            return compressor == null ? out : compressor;
        }

        /** Ends the frame (a zstd stream ends it on flush and is kept, with its context), writes it and fsyncs the file. */
        void commit() throws IOException {
            drain();
            if (compressor instanceof ZstdOutputStream) {
                compressor.flush();
            } else if (compressor instanceof GZIPOutputStream) {
                compressor.close();
                compressor = null;
            }
            out.flush();
            channel.force(false);
            durable = channel.position();
        }

        void cutBack() throws IOException {
            used = 0;
            compressor = null;
            out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            channel.truncate(durable);
            channel.position(durable);
        }

        void close() throws IOException {
            commit();
            if (compressor != null) {
                compressor.close();
            }
            channel.close();
        }

        void closeQuietly() {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("sink '{}': closing {}: {}", name, part, e.toString());
            }
        }
    }
}
