package io.polybus.monitor.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The file a monitor keeps its rules' state in between runs: a magic number, a format version, then the state in
 * Java serialization, read back through a filter that admits only the monitor's own state classes and the JDK,
 * HdrHistogram types they hold and the sample events (as their JSON text), and no array longer than the file. Written whole to a temporary file, forced to disk and renamed over the
 * previous one, so a crash leaves either the old or the new snapshot, never half of one. Not thread-safe.
 */
final class StateFile {
    /** The format version; a file of another version is not read. */
    static final int VERSION = 2;
    private static final int MAGIC = 0x50424d53; // "PBMS"
    private static final String CLASSES = "io.polybus.monitor.internal.*;java.util.*;java.lang.*;org.HdrHistogram.**;"
            + "io.polybus.events.JsonEvent;io.polybus.events.JsonEvent$Text;!*";

    private final Path path;
    private final Path temporary;

    StateFile(Path dir, String name) {
        this.path = dir.resolve(name + ".state");
        this.temporary = dir.resolve(name + ".state.tmp");
    }

    Path path() {
        return path;
    }

    /** Serializes {@code state} under the format's header. */
    static byte[] encode(Serializable state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            try (ObjectOutputStream objects = new ObjectOutputStream(out)) {
                objects.writeObject(state);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the monitor's state", e);
        }
        return bytes.toByteArray();
    }

    /** Replaces the snapshot with {@code encoded} (from {@link #encode}) atomically. */
    void write(byte[] encoded) throws IOException {
        Files.createDirectories(path.getParent());
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(encoded);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The saved state, empty when there is no snapshot.
     *
     * @throws IOException when the file cannot be read, is not a snapshot, is of another version, or is corrupt
     */
    Optional<Object> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(decode(bytes, path.toString()));
    }

    /**
     * Reads back what {@link #encode} wrote; {@code origin} names where the bytes came from in the error.
     *
     * @throws IOException when the bytes are not a snapshot, are of another version, or are corrupt
     */
    static Object decode(byte[] bytes, String origin) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (bytes.length < 8 || in.readInt() != MAGIC) {
                throw new IOException(origin + " is not a monitor state snapshot");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException(origin + " is of format version " + version + "; this monitor reads " + VERSION);
            }
            try (ObjectInputStream objects = new ObjectInputStream(in)) {
                // No array of a sound file has more elements than the file has bytes: a corrupt length fails, not OOMs.
                objects.setObjectInputFilter(ObjectInputFilter.Config.createFilter(
                        "maxdepth=64;maxarray=" + bytes.length + ";" + CLASSES));
                return objects.readObject();
            }
        } catch (ClassNotFoundException | InvalidClassException | RuntimeException e) {
            throw new IOException(origin + " is corrupt or of another monitor version: " + e, e);
        }
    }
}
