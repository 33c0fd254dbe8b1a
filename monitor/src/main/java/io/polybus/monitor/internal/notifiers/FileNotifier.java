package io.polybus.monitor.internal.notifiers;

import io.polybus.monitor.Alert;
import io.polybus.monitor.Notifier;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Appends each notice as one JSON line, flushed before {@link #send} returns. */
final class FileNotifier implements Notifier {
    private final Path path;
    private OutputStream out;

    FileNotifier(Path path) {
        this.path = path;
    }

    @Override
    public synchronized void send(Alert alert) throws IOException {
        if (out == null) {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        }
        byte[] line = alert.toJsonBytes();
        byte[] withNewline = new byte[line.length + 1];
        System.arraycopy(line, 0, withNewline, 0, line.length);
        withNewline[line.length] = '\n';
        out.write(withNewline);
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LoggerFactory.getLogger(FileNotifier.class).warn("closing alert file {}: {}", path, e.toString());
            }
            out = null;
        }
    }
}
