package io.polybus.events;

/**
 * Where a source's records come from: a file (its path and identity), a stream (neither), or a network sender
 * ({@code peer}). One per input, made once and passed with every record of it.
 *
 * @param path   the file's path, or null
 * @param fileId the file's identity ({@code device:inode:fingerprint}), or null
 * @param peer   the sender's {@code host:port} for a network source, or null
 */
public record Origin(String path, String fileId, String peer) {
    /** An input with no path, identity or sender (stdin, a generated event). */
    public static final Origin NONE = new Origin(null, null, null);

    /** A file. */
    public static Origin file(String path, String fileId) {
        return new Origin(path, fileId, null);
    }

    /** A network sender. */
    public static Origin peer(String address) {
        return new Origin(null, null, address);
    }
}
