package io.polybus.agent.internal.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which file this is: device and inode, and a fingerprint (SHA-256, first 8 bytes) of its first
 * {@code fingerprintLength} bytes. The inode alone is not enough (a deleted file's inode is reused by the
 * next new file); the fingerprint alone is not enough (copies start with the same bytes). A file shorter
 * than the fingerprint window is fingerprinted over what it has, and that length is kept, so the same
 * bytes are compared later.
 */
public record FileIdentity(long device, long inode, int fingerprintLength, String fingerprint) {

    /** {@code device:inode:fingerprint}, the {@code file_id} of events. */
    public String id() {
        return device + ":" + inode + ":" + fingerprint;
    }

    public String inodeKey() {
        return device + ":" + inode;
    }

    /** Fingerprint of the first {@code length} bytes of {@code channel}, or null when it has fewer bytes. */
    public static String fingerprint(FileChannel channel, int length) throws IOException {
        byte[] head = head(channel, length);
        return head == null ? null : hash(head, length);
    }

    /** The first {@code length} bytes of {@code channel}, or null when it has fewer bytes. */
    public static byte[] head(FileChannel channel, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        return readHead(channel, buf) ? buf.array() : null;
    }

    /** Fills {@code buf} from the start of {@code channel}; false when the channel has fewer bytes. */
    static boolean readHead(FileChannel channel, ByteBuffer buf) throws IOException {
        buf.clear();
        long pos = 0;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                return false;
            }
            pos += n;
        }
        return true;
    }

    public static String hash(byte[] bytes, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, 0, length);
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
